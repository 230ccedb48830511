package io.posduif.functions.sync;

import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/**
 * The documented wire shapes of the manual-conflict API (docs/protocol.md §5), for the OpenAPI
 * document only: {@link ConflictsController} reads its body as bytes (gzip under caps, precise
 * error codes) and answers rows built from {@code posduif_conflicts}. These records say what those
 * are; {@code PushAndPullBodiesMatchTheirDocumentedSchemaTest} checks real answers against them.
 */
final class ConflictsWire {

    private ConflictsWire() {
    }

    @Serdeable
    @Schema(name = "ConflictList", description = "At most 1000, oldest first.")
    record ConflictList(List<Conflict> conflicts) {
    }

    @Serdeable
    @Schema(name = "Conflict", description = "A device's write to a manual table, parked until a web user resolves it.")
    record Conflict(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "uuid") String id,
            String table,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, additionalProperties = Schema.AdditionalPropertiesValue.TRUE) Map<String, Object> pk,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = {"upsert", "delete"}) String op,
            String deviceId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "uuid") String userId,
            String opId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "date-time") String clientTs,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, nullable = true,
                    additionalProperties = Schema.AdditionalPropertiesValue.TRUE,
                    description = "The device's version (the op's data; null for a delete).") Map<String, Object> clientRow,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, nullable = true,
                    additionalProperties = Schema.AdditionalPropertiesValue.TRUE,
                    description = "The server's row when the conflict arose (null: a tombstone).") Map<String, Object> serverRow,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = {"open", "resolved"}) String status,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, nullable = true,
                    allowableValues = {"server", "client", "merged"}) String resolution,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, nullable = true, format = "uuid") String resolvedBy,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, nullable = true, format = "date-time") String resolvedAt,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, format = "date-time") String createdAt) {
    }

    @Serdeable
    @Schema(name = "ConflictResolution")
    record Resolution(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = {"server", "client", "merged"},
                    description = "server keeps the server row, client writes the device's version, merged writes row.")
            String resolution,
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED, additionalProperties = Schema.AdditionalPropertiesValue.TRUE,
                    description = "Required for merged: the row to write (wire form, §4); its key columns must equal the conflict's.")
            Map<String, Object> row) {
    }
}

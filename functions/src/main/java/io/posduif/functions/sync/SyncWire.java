package io.posduif.functions.sync;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/**
 * The documented wire shapes of push and pull (docs/protocol.md §5, §6), for the OpenAPI
 * document only. The endpoints keep raw bytes on purpose: push inflates gzip under caps and
 * hashes each op as received for the op ledger ({@link PushRequest}), pull streams its page as
 * JSON straight from the change log ({@link PullService}). These records say what those bytes
 * are; {@code PushAndPullBodiesMatchTheirDocumentedSchemaTest} checks real answers against them.
 */
final class SyncWire {

    private SyncWire() {
    }

    @Serdeable
    @Schema(name = "PushRequest", description = "A device's outbox, applied in one transaction (docs/protocol.md §5).")
    record PushBody(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "At most posduif.sync.max-push-ops (default 500); op_id unique within the batch.")
            List<PushOp> ops) {
    }

    @Serdeable
    @Schema(name = "PushOp", description = "One outbox operation; its payload is hashed into the op ledger for idempotency.")
    record PushOp(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Unique per device, 1..128 characters (a UUID by convention).", minLength = 1, maxLength = 128)
            String opId,
            String table,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = {"upsert", "insert", "delete"},
                    description = "insert: an upsert of a row the device made, applied as an upsert; the server writes it without reading it first.") String op,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, additionalProperties = Schema.AdditionalPropertiesValue.TRUE, description = "The primary key columns of the row.") Map<String, Object> pk,
            @Nullable @Schema(additionalProperties = Schema.AdditionalPropertiesValue.TRUE, description = "Required for upsert and insert: the columns the device sends, in wire form (§4). Ignored for delete.",
                    nullable = true) Map<String, Object> data,
            @Nullable @Schema(description = "Fields this op changed (default: every non-key column of data); field-lww uses it.")
            List<String> changedFields,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "RFC 3339 timestamp of the change on the device.", format = "date-time") String clientTs) {
    }

    @Serdeable
    @Schema(name = "PushResponse", description = "One result per op, in the order of ops.")
    record PushAnswer(
            List<PushResult> results,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Informational: the log position after the push. Never a replacement for the pull cursor.")
            String cursor) {
    }

    @Serdeable
    @Schema(name = "PushResult")
    record PushResult(
            String opId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = {"applied", "duplicate", "rejected", "conflict"}) String status,
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED, description = "ErrorCode of a rejected op (also on a duplicate of one): UNKNOWN_TABLE, TABLE_NOT_SYNCED, "
                    + "TABLE_READ_ONLY, UNKNOWN_COLUMN, INVALID_VALUE, SERVER_OWNED_COLUMN, OUT_OF_SCOPE, PK_MISMATCH, "
                    + "OP_ID_REUSED, CONSTRAINT_VIOLATION.",
                    allowableValues = {"UNKNOWN_TABLE", "TABLE_NOT_SYNCED", "TABLE_READ_ONLY", "UNKNOWN_COLUMN", "INVALID_VALUE",
                            "SERVER_OWNED_COLUMN", "OUT_OF_SCOPE", "PK_MISMATCH", "OP_ID_REUSED", "CONSTRAINT_VIOLATION"})
            String code,
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED) String message,
            @Nullable @Schema(additionalProperties = Schema.AdditionalPropertiesValue.TRUE, description = "On conflict: the row the server kept (null when it is a tombstone).", nullable = true)
            Map<String, Object> serverRow,
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED, description = "On conflict with a manual table: the id in GET /api/conflicts.") String conflictId,
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED, description = "On duplicate: what the first delivery decided.",
                    allowableValues = {"applied", "rejected", "conflict"}) String originalStatus) {
    }

    @Serdeable
    @Schema(name = "PullResponse", description = "A page of the device's scope after its cursor (docs/protocol.md §6).")
    record PullAnswer(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "In log order; apply the page atomically, then store cursor.") List<Change> changes,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Opaque; present it on the next pull.") String cursor,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Pull again at once when true.") boolean hasMore,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Greater than the device's: refetch app-instructions.") int schemaVersion) {
    }

    @Serdeable
    @Schema(name = "PullChange")
    record Change(
            String table,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = {"upsert", "delete"}, description = "delete: remove the row (deleted, or left the device's scope).")
            String op,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, additionalProperties = Schema.AdditionalPropertiesValue.TRUE) Map<String, Object> pk,
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED, additionalProperties = Schema.AdditionalPropertiesValue.TRUE, description = "upsert only: the whole row in wire form (§4).") Map<String, Object> data) {
    }
}

package io.posduif.functions.sync;

import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;

/**
 * {@code GET /api/sync/status}: the seed's shape plus cursor and schema version.
 *
 * @param pendingOutgoingCount changes in the device's scope after the cursor it last presented
 *                             (what the server still has to send it; capped at 10,000)
 * @param syncStatus           {@code idle} when nothing is waiting, {@code pending} otherwise,
 *                             {@code never} before its first pull
 */
@Serdeable(naming = SnakeCaseStrategy.class)
public record SyncStatus(String deviceId, String lastSyncTimestamp, long pendingOutgoingCount,
                         String syncStatus, String cursor, int schemaVersion) {
}

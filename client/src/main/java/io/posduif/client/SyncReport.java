package io.posduif.client;

/** What one sync round did. */
public record SyncReport(int pushed, int applied, int duplicates, int rejected, int conflicts,
                         int pulledChanges, int pages, boolean reset, long schemaVersion, String cursor,
                         long durationMillis) {
}

package io.posduif.client;

/** What the app hears from the sync engine. Called on the syncing thread; keep it quick. */
public interface SyncListener {
    /** A pushed operation was rejected or ended in a conflict. */
    default void onOpResult(OpResult result) {
    }

    default void onSynced(SyncReport report) {
    }

    /** A background sync failed (offline, server down); it will be retried. */
    default void onSyncFailed(Exception error) {
    }

    /** The schema moved to a new version and local tables were migrated. */
    default void onSchemaChanged(long version) {
    }

    /** The device was revoked; syncing has stopped for good. */
    default void onRevoked() {
    }
}

package io.posduif.functions.sync;

import io.posduif.functions.auth.Caller;

import java.util.List;
import java.util.Map;

/**
 * Published (synchronously, after the page is read) when a device was served upserts, so that
 * features can react to delivery — e.g. a message turns {@code synced} once its recipient's
 * device has pulled it.
 *
 * @param upsertedPks table → primary keys (JSON text) served as upserts in this page
 */
public record ChangesPulled(Caller device, Map<String, List<String>> upsertedPks) {
}

package io.posduif.functions.schema;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed partial-sync rule (the table's {@code filter}) in bucket form.
 *
 * <p>Why buckets: checking "does this change concern this device" by evaluating a predicate
 * per device per change makes every pull cost the whole log. Instead each change carries the
 * bucket keys of its row (computed in the capture trigger from the row's columns) and each
 * device has the bucket keys of its principal (computed from {@code :user_id} and friends);
 * pulling is then an index range scan per key. An update that moves a row out of a bucket
 * becomes a removal for devices holding only the old key.
 */
public interface SyncFilter {

    /** The filter as written in the schema file (for display and checksums). */
    String source();

    /** Columns the filter reads; writes to them can move a row between scopes. */
    Set<String> columns();

    /** Principal parameters the filter reads, without the colon ({@code user_id}, …). */
    Set<String> parameters();

    /**
     * A PL/pgSQL/SQL expression of type {@code text[]} giving the bucket keys of a row, where
     * {@code rowRef} is {@code NEW} or {@code OLD} inside a trigger. Empty array: the row is in
     * no device's scope.
     */
    String bucketsSql(String rowRef);

    /** Bucket keys of a row given as wire JSON values (push scope checks, tests). */
    Set<String> bucketsOfRow(Map<String, Object> row);

    /**
     * Bucket keys a principal subscribes to. Values in {@code params} are strings or lists of
     * strings (list-valued user attributes, used with {@code IN}).
     */
    List<String> bucketsOfPrincipal(Map<String, Object> params);
}

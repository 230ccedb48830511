package io.posduif.protocol;

/**
 * The layout of a tenant's realtime Redis stream, shared by the publisher (functions) and the
 * relay so that the two never drift apart. See docs/protocol.md §7.
 *
 * <p>Each stream entry has these fields; list fields are JSON arrays of strings and are
 * absent when empty.
 */
public final class RealtimeStream {

    /** SSE event name ({@code sync_required}, …). */
    public static final String FIELD_TYPE = "type";
    /** JSON array: scope keys touched ({@code sync_required}); absent = every device. */
    public static final String FIELD_BUCKETS = "buckets";
    /** Change-log cursor after the commit ({@code sync_required}); may be absent. */
    public static final String FIELD_CURSOR = "cursor";
    /** JSON array of user ids the event is for; absent = every user of the tenant. */
    public static final String FIELD_USERS = "users";
    /** JSON array of device ids the event is for; absent = no restriction. */
    public static final String FIELD_DEVICES = "devices";
    /** The JSON object sent as the SSE {@code data:} line. */
    public static final String FIELD_DATA = "data";

    /** PostgreSQL NOTIFY channel of out-of-band changes; the payload is the tenant schema name. */
    public static final String NOTIFY_CHANNEL = "posduif_changes";

    private RealtimeStream() {
    }

    /** {@code posduif:<tenant>:events}. */
    public static String key(String tenantId) {
        return "posduif:" + tenantId + ":events";
    }
}

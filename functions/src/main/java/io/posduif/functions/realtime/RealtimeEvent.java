package io.posduif.functions.realtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One small event for the tenant's Redis stream: what happened and who must hear of it.
 *
 * <p>The relay routes on {@link #buckets()}, {@link #userIds()} and {@link #deviceIds()} and
 * forwards {@link #data()} verbatim as the SSE {@code data:} line, so the wire shape of every
 * event (docs/protocol.md §7) is fixed here, once. Events carry no row data: clients pull.
 *
 * @param type      the SSE event name ({@code sync_required}, …)
 * @param buckets   for {@code sync_required}: scope keys the commit touched (empty = every device)
 * @param cursor    for {@code sync_required}: the change-log position after the commit, or null
 * @param userIds   restricts delivery to these users (empty = every web user / device of the tenant)
 * @param deviceIds restricts delivery to these devices (empty = no restriction)
 * @param data      the JSON object the client receives; always contains {@code type}
 */
public record RealtimeEvent(String type, List<String> buckets, String cursor,
                            List<String> userIds, List<String> deviceIds, Map<String, Object> data) {

    public static final String SYNC_REQUIRED = "sync_required";
    public static final String SCHEMA_CHANGED = "schema_changed";
    public static final String DEVICE_REVOKED = "device_revoked";
    public static final String NEW_MESSAGE = "new_message";
    public static final String MESSAGE_READ = "message_read";
    public static final String DEVICE_ENROLLED = "device_enrolled";
    public static final String PRESENCE = "presence";
    /** Internal: the relay reloads these devices' buckets; never forwarded to clients. */
    public static final String SCOPES_CHANGED = "scopes_changed";

    public RealtimeEvent {
        buckets = buckets == null ? List.of() : List.copyOf(buckets);
        userIds = userIds == null ? List.of() : List.copyOf(userIds);
        deviceIds = deviceIds == null ? List.of() : List.copyOf(deviceIds);
        data = data == null ? Map.of("type", type) : data;
    }

    /** Devices whose scope intersects {@code buckets} must pull; {@code cursor} may be null. */
    public static RealtimeEvent syncRequired(java.util.Collection<String> buckets, String cursor) {
        Map<String, Object> d = obj(SYNC_REQUIRED);
        if (cursor != null) {
            d.put("cursor", cursor);
        }
        return new RealtimeEvent(SYNC_REQUIRED, List.copyOf(buckets), cursor, List.of(), List.of(), d);
    }

    /** Every device refetches app-instructions. */
    public static RealtimeEvent schemaChanged(int version) {
        Map<String, Object> d = obj(SCHEMA_CHANGED);
        d.put("version", version);
        return new RealtimeEvent(SCHEMA_CHANGED, List.of(), null, List.of(), List.of(), d);
    }

    /** The device is told, then its stream is closed by the relay. */
    public static RealtimeEvent deviceRevoked(String deviceId) {
        return new RealtimeEvent(DEVICE_REVOKED, List.of(), null, List.of(), List.of(deviceId), obj(DEVICE_REVOKED));
    }

    /** To one web user: a message arrived for them, with their new unread count. */
    public static RealtimeEvent newMessage(UUID recipient, UUID messageId, long unreadCount) {
        Map<String, Object> d = obj(NEW_MESSAGE);
        d.put("message_id", messageId.toString());
        d.put("unread_count", unreadCount);
        return new RealtimeEvent(NEW_MESSAGE, List.of(), null, List.of(recipient.toString()), List.of(), d);
    }

    /** To web users (the sender, or all when {@code sender} is null): a message was read. */
    public static RealtimeEvent messageRead(UUID sender, UUID messageId) {
        Map<String, Object> d = obj(MESSAGE_READ);
        d.put("message_id", messageId.toString());
        return new RealtimeEvent(MESSAGE_READ, List.of(), null, sender == null ? List.of() : List.of(sender.toString()), List.of(), d);
    }

    /** To every web user of the tenant: a device completed enrollment. */
    public static RealtimeEvent deviceEnrolled(UUID userId, String deviceId, String token) {
        Map<String, Object> d = obj(DEVICE_ENROLLED);
        d.put("user_id", userId.toString());
        d.put("device_id", deviceId);
        d.put("token", token);
        return new RealtimeEvent(DEVICE_ENROLLED, List.of(), null, List.of(), List.of(), d);
    }

    /** To every web user of the tenant: a device (of {@code userId}) went online or offline. */
    public static RealtimeEvent presence(UUID userId, String deviceId, boolean online, java.time.Instant lastSeen) {
        Map<String, Object> d = obj(PRESENCE);
        d.put("user_id", userId.toString());
        d.put("device_id", deviceId);
        d.put("online_status", online ? "online" : "offline");
        d.put("last_seen", lastSeen == null ? null : lastSeen.toString());
        return new RealtimeEvent(PRESENCE, List.of(), null, List.of(), List.of(), d);
    }

    /** Internal: the principal parameters of these devices changed (see {@link DeviceScopes}). */
    public static RealtimeEvent scopesChanged(List<String> deviceIds) {
        return new RealtimeEvent(SCOPES_CHANGED, List.of(), null, List.of(), deviceIds, obj(SCOPES_CHANGED));
    }

    private static Map<String, Object> obj(String type) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("type", type);
        return d;
    }
}

package io.posduif.relay.stream;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * One parsed stream entry, with its SSE frame encoded once and shared by every recipient.
 *
 * @param buckets null = every device; users/devices null = no restriction
 */
public record StreamEntry(String tenant, StreamId id, String type, Set<String> buckets,
                          Set<String> users, Set<String> devices, String data, byte[] frame) {

    public static StreamEntry of(String tenant, StreamId id, String type, Set<String> buckets,
                                 Set<String> users, Set<String> devices, String data) {
        return new StreamEntry(tenant, id, type, buckets, users, devices, data, frame(id == null ? "" : id.toString(), type, data));
    }

    /** {@code id:}, {@code event:}, {@code data:} lines; data is single-line JSON. */
    public static byte[] frame(String id, String type, String data) {
        String oneLine = data.indexOf('\n') < 0 && data.indexOf('\r') < 0 ? data : data.replace("\r", "").replace("\n", "");
        return ("id: " + id + "\nevent: " + type + "\ndata: " + oneLine + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
}

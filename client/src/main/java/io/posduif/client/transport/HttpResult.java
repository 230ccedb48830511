package io.posduif.client.transport;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One HTTP answer; the body is raw (still gzip if the server compressed it). */
public record HttpResult(int status, Map<String, List<String>> headers, byte[] body) {
    public HttpResult {
        Map<String, List<String>> ci = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        ci.putAll(headers);
        headers = ci;
    }

    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}

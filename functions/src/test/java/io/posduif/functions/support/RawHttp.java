package io.posduif.functions.support;

import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Byte-level HTTP for tests that must see exactly what a client sees (status, headers, raw
 * body) and send what a hostile client sends (malformed JSON, odd encodings, wrong methods),
 * which Micronaut's own client would refuse or reinterpret.
 */
public final class RawHttp {

    private final URI base;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final JsonMapper json = JsonMapper.createDefault();

    public RawHttp(URI base) {
        this.base = base;
    }

    public record Response(int status, Map<String, java.util.List<String>> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse(null);
        }
    }

    public Response send(String method, String path, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        try {
            HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response get(String path, Map<String, String> headers) {
        return send("GET", path, headers, null);
    }

    public Response postJson(String path, Map<String, String> headers, String body) {
        java.util.Map<String, String> h = new java.util.HashMap<>(headers);
        h.putIfAbsent("Content-Type", "application/json");
        return send("POST", path, h, body.getBytes(StandardCharsets.UTF_8));
    }

    public JsonNode json(Response r) {
        try {
            return json.readValue(r.body(), JsonNode.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON (status " + r.status() + "): " + r.text(), e);
        }
    }

    /** The {@code error.code} of a wire error body, failing the test if the body is not one. */
    public String errorCode(Response r) {
        JsonNode n = json(r);
        JsonNode error = n.get("error");
        if (error == null || error.get("code") == null || error.get("message") == null || error.get("details") == null
                || !error.get("details").isObject()) {
            throw new AssertionError("not the wire error format (status " + r.status() + "): " + r.text());
        }
        return error.get("code").getStringValue();
    }

    public static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }
}

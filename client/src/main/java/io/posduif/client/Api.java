package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.posduif.client.transport.HttpCall;
import io.posduif.client.transport.HttpResult;
import io.posduif.client.transport.Transport;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON over a {@link Transport}: gzip both ways, protocol errors as {@link ApiException}. */
final class Api {
    private final Transport transport;

    Api(Transport transport) {
        this.transport = transport;
    }

    JsonNode call(String method, URI uri, Object body, String bearer, String deviceId, boolean gzipBody)
            throws IOException, ApiException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        headers.put("Accept-Encoding", "gzip");
        if (bearer != null) {
            headers.put("Authorization", "Bearer " + bearer);
        }
        if (deviceId != null) {
            headers.put("X-Device-ID", deviceId);
        }
        byte[] bytes = null;
        if (body != null) {
            bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
            headers.put("Content-Type", "application/json");
            if (gzipBody) {
                bytes = Gzip.compress(bytes);
                headers.put("Content-Encoding", "gzip");
            }
        }
        HttpResult result = transport.send(new HttpCall(method, uri, headers, bytes));
        byte[] responseBody = result.body() == null ? new byte[0] : result.body();
        String encoding = result.header("Content-Encoding");
        if (encoding != null && encoding.equalsIgnoreCase("gzip") && responseBody.length > 0) {
            responseBody = Gzip.decompress(responseBody);
        }
        if (result.status() / 100 != 2) {
            throw error(result.status(), responseBody);
        }
        if (responseBody.length == 0) {
            return Json.object();
        }
        try {
            return Json.parse(responseBody);
        } catch (IOException e) {
            // A 2xx with a body that is not JSON is a broken server or proxy: treat like a 5xx.
            throw new ApiException(502, "MALFORMED_RESPONSE", "2xx answer is not JSON: " + e.getMessage(), null);
        }
    }

    private static ApiException error(int status, byte[] body) {
        try {
            JsonNode node = Json.parse(body);
            JsonNode error = node.path("error");
            if (error.isObject()) {
                return new ApiException(status, error.path("code").asText("HTTP_" + status),
                        error.path("message").asText(""), error.get("details"));
            }
        } catch (IOException | RuntimeException ignored) {
            // A proxy's HTML error page: fall through to a code made from the status.
        }
        return new ApiException(status, "HTTP_" + status,
                new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8), null);
    }
}

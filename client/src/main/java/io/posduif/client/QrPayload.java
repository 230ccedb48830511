package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;

/**
 * What an enrollment QR code carries: the JSON of {@code qr_code_data}
 * ({@code {"enrollment_url", "token", "tenant_id"}}).
 */
public record QrPayload(String enrollmentUrl, String token, String tenantId) {
    private static final String ENROLLMENT_PATH = "/api/enrollment/";

    public QrPayload {
        if (enrollmentUrl == null || enrollmentUrl.isBlank() || token == null || token.isBlank()) {
            throw new IllegalArgumentException("QR payload needs enrollment_url and token");
        }
        URI uri = URI.create(enrollmentUrl);
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new IllegalArgumentException("enrollment_url must be http(s): " + enrollmentUrl);
        }
    }

    /** Parses the QR text; anything but the expected JSON object is an {@link IllegalArgumentException}. */
    public static QrPayload parse(String json) {
        JsonNode node;
        try {
            node = Json.parse(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("QR content is not JSON", e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("QR content is not a JSON object");
        }
        return new QrPayload(node.path("enrollment_url").asText(null), node.path("token").asText(null),
                node.path("tenant_id").asText(null));
    }

    /**
     * The server's base URL, i.e. the enrollment URL without {@code /api/enrollment/...}: the
     * address the device was actually told to reach, which stays right behind proxies.
     */
    public String baseUrl() {
        int i = enrollmentUrl.indexOf(ENROLLMENT_PATH);
        String base = i >= 0 ? enrollmentUrl.substring(0, i) : enrollmentUrl;
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}

package io.posduif.client.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.posduif.client.ApiException;
import io.posduif.client.QrPayload;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The web user's side of enrollment, as the simulator and end-to-end tests need it:
 * password login, creating an enrollment token, fetching its QR image.
 */
public final class WebSession {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String baseUrl;
    private final String token;
    private final String userId;

    private WebSession(String baseUrl, String token, String userId) {
        this.baseUrl = baseUrl;
        this.token = token;
        this.userId = userId;
    }

    /** {@code POST /api/auth/login}; {@code tenant} is sent only when given (servers default to theirs). */
    public static WebSession login(String baseUrl, String username, String password, String tenant)
            throws IOException, ApiException {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("username", username);
        body.put("password", password);
        if (tenant != null) {
            body.put("tenant", tenant);
        }
        WebSession anonymous = new WebSession(trim(baseUrl), null, null);
        JsonNode answer = anonymous.json("POST", "/api/auth/login", body);
        String token = answer.path("token").asText(answer.path("access_token").asText(null));
        if (token == null) {
            throw new IOException("login answer has no token: " + answer);
        }
        return new WebSession(trim(baseUrl), token, answer.path("user").path("id").asText(null));
    }

    public static WebSession withToken(String baseUrl, String webToken) {
        return new WebSession(trim(baseUrl), webToken, null);
    }

    public String token() {
        return token;
    }

    /** The web user's id from the login answer (null for {@link #withToken}). */
    public String userId() {
        return userId;
    }

    /**
     * {@code POST /api/enrollment/create} → the full answer ({@code token}, {@code qr_code_data},
     * {@code expires_at}). A token bound to {@code username} may enroll another device of an
     * existing mobile user; null makes an unbound token (a new user at completion).
     */
    public JsonNode createEnrollment(String username) throws IOException, ApiException {
        ObjectNode body = MAPPER.createObjectNode();
        if (username != null) {
            body.put("username", username);
        }
        return json("POST", "/api/enrollment/create", body);
    }

    public QrPayload createEnrollmentPayload(String username) throws IOException, ApiException {
        JsonNode qr = createEnrollment(username).path("qr_code_data");
        return new QrPayload(qr.path("enrollment_url").asText(null), qr.path("token").asText(null), qr.path("tenant_id").asText(null));
    }

    /** {@code GET /api/enrollment/{token}/qr.png}. */
    public byte[] qrPng(String enrollmentToken) throws IOException, ApiException {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/enrollment/" + enrollmentToken + "/qr.png"))
                .header("Authorization", "Bearer " + token).GET());
        if (r.statusCode() != 200) {
            throw error(r);
        }
        return r.body();
    }

    /** Any JSON call with the web token (e.g. the web messages API in end-to-end tests). */
    public JsonNode json(String method, String path, JsonNode body) throws IOException, ApiException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(body)));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<byte[]> r = send(b);
        if (r.statusCode() / 100 != 2) {
            throw error(r);
        }
        return r.body().length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(r.body());
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder b) throws IOException {
        try {
            return http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }

    private static ApiException error(HttpResponse<byte[]> r) {
        try {
            JsonNode e = MAPPER.readTree(r.body()).path("error");
            return new ApiException(r.statusCode(), e.path("code").asText("HTTP_" + r.statusCode()), e.path("message").asText(""), e.get("details"));
        } catch (IOException | RuntimeException ex) {
            return new ApiException(r.statusCode(), "HTTP_" + r.statusCode(), new String(r.body()), null);
        }
    }

    private static String trim(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

package io.posduif.relay.sse;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.relay.support.RelayTest;
import io.posduif.relay.support.SseClient;
import io.posduif.relay.support.TestTenants;
import io.posduif.relay.support.TestTokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way of opening someone else's stream, or a stream with a bad credential, fails with a code. */
@MicronautTest
class StreamAuthIsCheckedFromTheAttackersSideTest extends RelayTest {

    @Inject
    EmbeddedServer server;

    String tenant;
    String otherTenant;
    UUID webUser;
    UUID mobileUser;
    String device;
    String revoked;

    @BeforeAll
    void data() {
        tenant = TestTenants.create("auth");
        otherTenant = TestTenants.create("auth_other");
        webUser = TestTenants.user(tenant, "web");
        mobileUser = TestTenants.user(tenant, "mobile");
        device = TestTenants.device(tenant, mobileUser);
        revoked = TestTenants.device(tenant, mobileUser);
        TestTenants.exec("UPDATE tenant_" + tenant + ".posduif_devices SET revoked_at = now() WHERE device_id = ?", revoked);
    }

    private String url(String path) {
        return "http://localhost:" + server.getPort() + path;
    }

    private void rejected(int status, String code, String path, Map<String, String> headers) throws Exception {
        try (SseClient c = SseClient.open(url(path), headers)) {
            assertEquals(status, c.status, path + " " + c.errorBody);
            assertTrue(c.errorBody.startsWith("{\"error\":{\"code\":\"" + code + "\""), c.errorBody);
        }
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    @Test
    void theOwnerGetsAStream() throws Exception {
        try (SseClient c = SseClient.open(url("/sse/mobile/" + device), TestTokens.device(tenant, mobileUser, device));
             SseClient w = SseClient.open(url("/sse/web/" + webUser), TestTokens.web(tenant, webUser))) {
            assertEquals(200, c.status);
            assertEquals(200, w.status);
        }
    }

    @Test
    void missingMalformedForgedExpiredOrForeignTokensAre401() throws Exception {
        String path = "/sse/mobile/" + device;
        rejected(401, "UNAUTHORIZED", path, Map.of());
        rejected(401, "UNAUTHORIZED", path, bearer("not-a-jwt"));
        rejected(401, "UNAUTHORIZED", path, bearer(TestTokens.sign("another-secret-of-at-least-32-bytes-length!!", b ->
                TestTokens.base(b, tenant, mobileUser, "device", "posduif-device").claim("device_id", device))));
        rejected(401, "UNAUTHORIZED", path, bearer(TestTokens.sign(TestTokens.SECRET, b ->
                TestTokens.base(b, tenant, mobileUser, "device", "posduif-device").claim("device_id", device)
                        .expirationTime(new Date(System.currentTimeMillis() - 120_000)))));
        rejected(401, "UNAUTHORIZED", path, bearer(TestTokens.sign(TestTokens.SECRET, b ->
                TestTokens.base(b, tenant, mobileUser, "device", "posduif-device").claim("device_id", device).issuer("evil"))));
        // a device typ with the web audience: neither kind
        rejected(401, "UNAUTHORIZED", path, bearer(TestTokens.sign(TestTokens.SECRET, b ->
                TestTokens.base(b, tenant, mobileUser, "device", "posduif-web").claim("device_id", device))));
        rejected(401, "UNAUTHORIZED", path, bearer(TestTokens.sign(TestTokens.SECRET, b ->
                TestTokens.base(b, tenant, mobileUser, "device", "posduif-device").claim("device_id", device).audience(List.of("posduif-device", "posduif-web")))));
        rejected(401, "UNAUTHORIZED", path, bearer(TestTokens.sign(TestTokens.SECRET, b ->
                TestTokens.base(b, tenant, mobileUser, "admin", "posduif-device").claim("device_id", device))));
        // unsigned ("alg":"none") token with valid claims
        String[] parts = TestTokens.device(tenant, mobileUser, device).split("\\.");
        String none = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes()) + "." + parts[1] + ".";
        rejected(401, "UNAUTHORIZED", path, bearer(none));
        // a tenant that does not exist here
        rejected(401, "UNAUTHORIZED", path, bearer(TestTokens.device("nosuchtenant", mobileUser, device)));
        // a token of another tenant naming a device of this one
        rejected(401, "UNAUTHORIZED", path, bearer(TestTokens.device(otherTenant, mobileUser, device)));
    }

    @Test
    void tokensOfTheOtherKindAreWrongTokenType() throws Exception {
        rejected(401, "WRONG_TOKEN_TYPE", "/sse/mobile/" + device, bearer(TestTokens.web(tenant, webUser)));
        rejected(401, "WRONG_TOKEN_TYPE", "/sse/web/" + mobileUser, bearer(TestTokens.device(tenant, mobileUser, device)));
    }

    @Test
    void anotherDevicesOrUsersStreamIsRefused() throws Exception {
        String token = TestTokens.device(tenant, mobileUser, device);
        rejected(401, "DEVICE_MISMATCH", "/sse/mobile/" + revoked, bearer(token));
        rejected(401, "DEVICE_MISMATCH", "/sse/mobile/" + device, Map.of("Authorization", "Bearer " + token, "X-Device-ID", "someone-else"));
        rejected(403, "FORBIDDEN", "/sse/web/" + UUID.randomUUID(), bearer(TestTokens.web(tenant, webUser)));
        // a device id the token names but that belongs to another user
        UUID thief = TestTenants.user(tenant, "mobile");
        rejected(401, "UNAUTHORIZED", "/sse/mobile/" + device, bearer(TestTokens.device(tenant, thief, device)));
        rejected(401, "UNAUTHORIZED", "/sse/mobile/dev-unknown", bearer(TestTokens.device(tenant, mobileUser, "dev-unknown")));
    }

    @Test
    void aRevokedDeviceGets401DeviceRevoked() throws Exception {
        rejected(401, "DEVICE_REVOKED", "/sse/mobile/" + revoked, bearer(TestTokens.device(tenant, mobileUser, revoked)));
    }

    @Test
    void wrongMethodsAndPathsAnswerInTheErrorFormat() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(url("/sse/mobile/" + device)))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertTrue(post.body().contains("\"METHOD_NOT_ALLOWED\""), post.body());
        rejected(404, "NOT_FOUND", "/sse/desktop/" + device, bearer(TestTokens.device(tenant, mobileUser, device)));
        rejected(404, "NOT_FOUND", "/sse/mobile/" + device + "/extra", bearer(TestTokens.device(tenant, mobileUser, device)));
        HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(url("/nothing-here"))).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, other.statusCode());
        assertTrue(other.body().contains("\"code\":\"NOT_FOUND\""), other.body());
    }

    @Test
    void browsersMayPassTheTokenAsAQueryParameter() throws Exception {
        try (SseClient c = SseClient.open(url("/sse/web/" + webUser + "?access_token=" + TestTokens.web(tenant, webUser)), Map.of())) {
            assertEquals(200, c.status);
        }
    }
}

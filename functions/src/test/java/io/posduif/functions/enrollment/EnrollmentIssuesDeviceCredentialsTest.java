package io.posduif.functions.enrollment;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class EnrollmentIssuesDeviceCredentialsTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;

    Api api;
    TenantId tenant;
    Fixtures.User web;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.rate-limit.enabled", "false");
    }

    @BeforeAll
    void setUp() {
        api = new Api(client);
        tenant = fixtures.newTenant("enr");
        web = fixtures.webUser(tenant);
    }

    @Test
    void seedShapesFromCreateToDeviceToken() throws Exception {
        Api.Resp created = api.post("/api/enrollment/create", Map.of(), web.token());
        assertEquals(200, created.status(), created.toString());
        String token = created.str("token");
        assertTrue(token.startsWith(tenant.value() + "."), token);
        assertTrue(token.length() >= tenant.value().length() + 1 + 22, "at least 128 random bits");
        @SuppressWarnings("unchecked")
        Map<String, Object> qr = (Map<String, Object>) created.body().get("qr_code_data");
        assertEquals(token, qr.get("token"));
        assertEquals(tenant.value(), qr.get("tenant_id"));
        assertTrue(((String) qr.get("enrollment_url")).endsWith("/api/enrollment/" + token), qr.toString());
        assertTrue(created.str("expires_at").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), created.str("expires_at"));

        Api.Resp details = api.get("/api/enrollment/" + token, null);
        assertEquals(200, details.status(), details.toString());
        assertEquals(token, details.str("token"));
        assertEquals(tenant.value(), details.str("tenant_id"));
        assertEquals(web.username(), details.str("created_by"));
        assertEquals(Boolean.TRUE, details.body().get("valid"));
        assertTrue(details.body().containsKey("used_at"));
        assertNull(details.body().get("used_at"));

        Api.Resp done = api.post("/api/enrollment/complete", Map.of("token", token, "device_id", "phone-1",
                "username", "Joe the Mobile User",
                "device_info", Map.of("platform", "android", "version", "13", "model", "Pixel 7", "app_version", "1.0.0")), null);
        assertEquals(200, done.status(), done.toString());
        assertEquals("phone-1", done.str("device_id"));
        assertEquals(tenant.value(), done.str("tenant_id"));
        assertTrue(done.str("app_instructions_url").endsWith("/api/app-instructions"));
        String secret = done.str("device_secret");
        assertTrue(secret.startsWith(tenant.value() + "."));
        assertTrue(((Number) done.body().get("expires_in")).longValue() > 0);

        Api.Resp me = api.call(HttpRequest.GET("/api/devices/me").bearerAuth(done.str("access_token")).header("X-Device-ID", "phone-1"));
        assertEquals(200, me.status(), me.toString());
        assertEquals(done.str("user_id"), me.str("user_id"));

        try (Connection c = stack().connect(); PreparedStatement ps = c.prepareStatement("SELECT d.secret_hash, u.username, u.user_type,"
                + " d.device_info->>'model' FROM " + tenant.schema() + ".posduif_devices d JOIN " + tenant.schema()
                + ".posduif_users u ON u.id = d.user_id WHERE d.device_id = 'phone-1'")) {
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertNotEquals(secret, rs.getString(1), "only a hash is stored");
                assertFalse(rs.getString(1).contains(secret.substring(secret.indexOf('.') + 1)));
                assertEquals("Joe the Mobile User", rs.getString(2));
                assertEquals("mobile", rs.getString(3));
                assertEquals("Pixel 7", rs.getString(4));
            }
        }

        // single use
        Api.Resp again = api.get("/api/enrollment/" + token, null);
        assertEquals(400, again.status());
        assertEquals("ENROLLMENT_USED", again.code());

        Api.Resp exchanged = api.post("/api/devices/token", Map.of("device_id", "phone-1", "device_secret", secret), null);
        assertEquals(200, exchanged.status(), exchanged.toString());
        assertNotNull(exchanged.str("access_token"));
        assertNotEquals(secret, exchanged.str("device_secret"));
    }

    @Test
    void usernameDefaultsToDeviceIdAndTakenNamesOrIdsLeaveTheTokenUsable() {
        String token = api.post("/api/enrollment/create", Map.of(), web.token()).str("token");
        // a web user's name cannot be taken over by a device
        Api.Resp taken = api.post("/api/enrollment/complete", Map.of("token", token, "device_id", "tab-1", "username", web.username()), null);
        assertEquals(409, taken.status(), taken.toString());
        assertEquals("USERNAME_TAKEN", taken.code());
        assertEquals(200, api.get("/api/enrollment/" + token, null).status(), "failed completion must not use the token");

        Api.Resp ok = api.post("/api/enrollment/complete", Map.of("token", token, "device_id", "tab-1"), null);
        assertEquals(200, ok.status(), ok.toString());

        String token2 = api.post("/api/enrollment/create", Map.of(), web.token()).str("token");
        Api.Resp dup = api.post("/api/enrollment/complete", Map.of("token", token2, "device_id", "tab-1", "username", "other"), null);
        assertEquals(409, dup.status(), dup.toString());
        assertEquals("DEVICE_ID_TAKEN", dup.code());
        // an unbound token cannot attach a device to an existing mobile user
        Api.Resp existing = api.post("/api/enrollment/complete", Map.of("token", token2, "device_id", "tab-2", "username", "tab-1"), null);
        assertEquals("USERNAME_TAKEN", existing.code(), existing.toString());
        assertEquals(200, api.get("/api/enrollment/" + token2, null).status());
    }

    @Test
    void tokenBoundToAUsernameAddsASecondDeviceToThatUser() {
        Api.Resp first = api.post("/api/enrollment/complete", Map.of("token",
                api.post("/api/enrollment/create", Map.of(), web.token()).str("token"), "device_id", "anna-phone", "username", "anna"), null);
        assertEquals(200, first.status(), first.toString());
        String bound = api.post("/api/enrollment/create", Map.of("username", "anna"), web.token()).str("token");
        Api.Resp wrongName = api.post("/api/enrollment/complete", Map.of("token", bound, "device_id", "anna-tab", "username", "bob"), null);
        assertEquals("VALIDATION_ERROR", wrongName.code(), wrongName.toString());
        Api.Resp second = api.post("/api/enrollment/complete", Map.of("token", bound, "device_id", "anna-tab"), null);
        assertEquals(200, second.status(), second.toString());
        assertEquals(first.str("user_id"), second.str("user_id"));
    }

    @Test
    void badCompletionInputIsA400AndChangesNothing() {
        String token = api.post("/api/enrollment/create", Map.of(), web.token()).str("token");
        for (Object deviceId : new Object[]{"", "has space", "x".repeat(129), "a/b"}) {
            Api.Resp r = api.post("/api/enrollment/complete", Map.of("token", token, "device_id", deviceId), null);
            assertEquals(400, r.status(), deviceId + " " + r);
            assertEquals("VALIDATION_ERROR", r.code());
        }
        Api.Resp noToken = api.post("/api/enrollment/complete", Map.of("device_id", "x"), null);
        assertEquals("VALIDATION_ERROR", noToken.code());
        Api.Resp ctrl = api.post("/api/enrollment/complete", Map.of("token", token, "device_id", "d1", "username", "a\u0000b"), null);
        assertEquals("VALIDATION_ERROR", ctrl.code());
        assertEquals(200, api.get("/api/enrollment/" + token, null).status());
    }

    @Test
    void enrollmentCreateNeedsAWebToken() {
        assertEquals("UNAUTHORIZED", api.post("/api/enrollment/create", Map.of(), null).code());
        Fixtures.User mobile = fixtures.mobileUser(tenant);
        Fixtures.Device device = fixtures.device(tenant, mobile.id());
        Api.Resp r = api.post("/api/enrollment/create", Map.of(), device.token());
        assertEquals(401, r.status());
        assertEquals("WRONG_TOKEN_TYPE", r.code());
    }
}

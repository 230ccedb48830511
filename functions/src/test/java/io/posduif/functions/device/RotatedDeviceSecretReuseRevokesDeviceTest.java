package io.posduif.functions.device;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.auth.SelfRoutingSecret;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

@MicronautTest
class RotatedDeviceSecretReuseRevokesDeviceTest extends StackTest {

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
        tenant = fixtures.newTenant("rot");
        web = fixtures.webUser(tenant);
    }

    private Api.Resp enroll(String deviceId) {
        String token = api.post("/api/enrollment/create", Map.of(), web.token()).str("token");
        Api.Resp r = api.post("/api/enrollment/complete", Map.of("token", token, "device_id", deviceId), null);
        assertEquals(200, r.status(), r.toString());
        return r;
    }

    private Api.Resp exchange(String deviceId, String secret) {
        return api.post("/api/devices/token", Map.of("device_id", deviceId, "device_secret", secret), null);
    }

    @Test
    void eachExchangeRotatesAndAReplayedSecretRevokesTheDeviceForEveryone() {
        Api.Resp enrolled = enroll("victim");
        String s0 = enrolled.str("device_secret");
        Api.Resp first = exchange("victim", s0);
        assertEquals(200, first.status(), first.toString());
        String s1 = first.str("device_secret");
        assertNotEquals(s0, s1);
        Api.Resp second = exchange("victim", s1);
        assertEquals(200, second.status());
        String s2 = second.str("device_secret");
        String jwt = second.str("access_token");
        assertEquals(200, api.get("/api/devices/me", jwt).status());

        // the thief replays the secret it stole before the owner rotated it
        Api.Resp theft = exchange("victim", s0);
        assertEquals(401, theft.status());
        assertEquals("DEVICE_REVOKED", theft.code());
        // now the current secret is dead too, and so is the device's live JWT
        assertEquals("DEVICE_REVOKED", exchange("victim", s2).code());
        Api.Resp me = api.get("/api/devices/me", jwt);
        assertEquals(401, me.status());
        assertEquals("DEVICE_REVOKED", me.code());
    }

    @Test
    void aRetryAfterALostAnswerIsAcceptedOnceWithinTheGraceOnly() throws Exception {
        String s0 = enroll("flaky").str("device_secret");
        assertEquals(200, exchange("flaky", s0).status(), "answer lost on the way back");
        Api.Resp retry = exchange("flaky", s0);
        assertEquals(200, retry.status(), "the retry of the lost exchange: " + retry);
        String s2 = retry.str("device_secret");
        assertEquals("DEVICE_REVOKED", exchange("flaky", s0).code(), "a second replay is theft");

        String t0 = enroll("late").str("device_secret");
        assertEquals(200, exchange("late", t0).status());
        try (java.sql.Connection c = stack().connect(); java.sql.Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE " + tenant.schema() + ".posduif_devices SET secret_rotated_at = now() - interval '5 minutes'"
                    + " WHERE device_id = 'late'");
        }
        assertEquals("DEVICE_REVOKED", exchange("late", t0).code(), "outside the grace a rotated-away secret is theft");
        assertEquals("DEVICE_REVOKED", exchange("flaky", s2).code());
    }

    @Test
    void wrongSecretsAndWrongDevicesAreInvalidCredentialsAndRevokeNothing() {
        Api.Resp enrolled = enroll("solid");
        String s0 = enrolled.str("device_secret");
        String random = s0.substring(s0.indexOf('.') + 1);
        TenantId other = fixtures.newTenant("roto");
        for (Map.Entry<String, String> attempt : Map.of(
                "solid", SelfRoutingSecret.generate(tenant),           // a guess
                "solid ", s0,                                            // another device id
                "nosuch", s0,
                "solid\u0000", other.value() + "." + random,             // forged tenant prefix
                "x", "garbage").entrySet()) {
            Api.Resp r = exchange(attempt.getKey(), attempt.getValue());
            assertEquals(401, r.status(), attempt + " " + r);
            assertEquals("INVALID_CREDENTIALS", r.code(), attempt + " " + r);
        }
        Api.Resp forgedPrefix = exchange("solid", other.value() + "." + random);
        assertEquals("INVALID_CREDENTIALS", forgedPrefix.code());
        assertEquals(200, exchange("solid", s0).status(), "the device still works");
        Api.Resp missing = api.post("/api/devices/token", Map.of("device_id", "solid"), null);
        assertEquals(400, missing.status());
        assertEquals("VALIDATION_ERROR", missing.code());
    }

    @Test
    void webUsersListAndRevokeDevicesAndTheRevokedDeviceGets401Everywhere() {
        Api.Resp enrolled = enroll("to-revoke");
        String jwt = enrolled.str("access_token");
        Api.Resp list = api.get("/api/devices", web.token());
        assertEquals(200, list.status(), list.toString());
        @SuppressWarnings("unchecked")
        var devices = (java.util.List<Map<String, Object>>) list.body().get("devices");
        Map<String, Object> d = devices.stream().filter(x -> "to-revoke".equals(x.get("device_id"))).findFirst().orElseThrow();
        assertEquals(false, d.get("revoked"));
        assertEquals(false, d.get("online"));
        assertEquals("to-revoke", d.get("username"));

        assertEquals("WRONG_TOKEN_TYPE", api.get("/api/devices", jwt).code(), "devices cannot list devices");
        assertEquals("WRONG_TOKEN_TYPE", api.post("/api/devices/to-revoke/revoke", Map.of(), jwt).code());
        assertEquals("NOT_FOUND", api.post("/api/devices/nope/revoke", Map.of(), web.token()).code());
        TenantId other = fixtures.newTenant("rotx");
        assertEquals("NOT_FOUND", api.post("/api/devices/to-revoke/revoke", Map.of(), fixtures.webUser(other).token()).code(),
                "another tenant's web user cannot revoke our device");
        assertEquals(200, api.get("/api/devices/me", jwt).status());

        Api.Resp revoked = api.post("/api/devices/to-revoke/revoke", Map.of(), web.token());
        assertEquals(200, revoked.status(), revoked.toString());
        for (Api.Resp r : new Api.Resp[]{
                api.get("/api/devices/me", jwt),
                api.call(HttpRequest.GET("/api/devices/me").bearerAuth(jwt).header("X-Device-ID", "to-revoke")),
                api.get("/api/app-instructions", jwt),
                api.get("/api/sync/pull", jwt),
                api.get("/api/sync/status", jwt),
                api.post("/api/sync/push", Map.of("ops", java.util.List.of()), jwt),
                api.get("/api/users", jwt),
                api.get("/api/devices", jwt),
                api.post("/api/enrollment/create", Map.of(), jwt),
                exchange("to-revoke", enrolled.str("device_secret"))}) {
            assertEquals(401, r.status(), r.toString());
            assertEquals("DEVICE_REVOKED", r.code(), r.toString());
        }
        assertEquals("DEVICE_REVOKED", api.get("/api/devices/me", jwt).code());
        assertEquals("DEVICE_REVOKED", exchange("to-revoke", enrolled.str("device_secret")).code());
        @SuppressWarnings("unchecked")
        var after = (java.util.List<Map<String, Object>>) api.get("/api/devices", web.token()).body().get("devices");
        assertEquals(true, after.stream().filter(x -> "to-revoke".equals(x.get("device_id"))).findFirst().orElseThrow().get("revoked"));
    }
}

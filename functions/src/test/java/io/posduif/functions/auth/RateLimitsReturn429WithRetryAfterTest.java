package io.posduif.functions.auth;

import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class RateLimitsReturn429WithRetryAfterTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;
    @Inject
    WebUsers webUsers;

    @Override
    protected Map<String, String> extraProperties() {
        Map<String, String> p = new HashMap<>();
        p.put("posduif.rate-limit.enabled", "true");
        p.put("posduif.rate-limit.key-prefix", "rltest:" + UUID.randomUUID());
        p.put("posduif.rate-limit.window", "30s");
        p.put("posduif.rate-limit.login-per-client", "1000");
        p.put("posduif.rate-limit.login-per-tenant", "3");
        p.put("posduif.rate-limit.token-per-client", "4");
        p.put("posduif.rate-limit.token-per-tenant", "1000");
        p.put("posduif.rate-limit.enrollment-per-client", "1000");
        p.put("posduif.rate-limit.enrollment-per-tenant", "5");
        return p;
    }

    private static void assertLimited(Api.Resp r) {
        assertEquals(429, r.status(), r.toString());
        assertEquals("RATE_LIMITED", r.code());
        String retry = r.headers().get("Retry-After");
        assertTrue(retry != null && Integer.parseInt(retry) >= 1 && Integer.parseInt(retry) <= 30, "Retry-After " + retry);
    }

    @Test
    void loginIsLimitedPerTenantEvenForCorrectPasswordsAndOtherTenantsAreUnaffected() {
        Api api = new Api(client);
        TenantId tenant = fixtures.newTenant("rl");
        TenantId other = fixtures.newTenant("rlo");
        webUsers.create(tenant, "u", "good password", false);
        webUsers.create(other, "u", "good password", false);
        for (int i = 0; i < 3; i++) {
            assertEquals("INVALID_CREDENTIALS", api.post("/api/auth/login", Map.of("username", "u", "password", "guess " + i, "tenant", tenant.value()), null).code());
        }
        assertLimited(api.post("/api/auth/login", Map.of("username", "u", "password", "good password", "tenant", tenant.value()), null));
        assertEquals(200, api.post("/api/auth/login", Map.of("username", "u", "password", "good password", "tenant", other.value()), null).status());
    }

    @Test
    void deviceTokenExchangeIsLimitedPerClient() {
        Api api = new Api(client);
        TenantId tenant = fixtures.newTenant("rlt");
        for (int i = 0; i < 4; i++) {
            assertEquals("INVALID_CREDENTIALS", api.post("/api/devices/token",
                    Map.of("device_id", "d", "device_secret", SelfRoutingSecret.generate(tenant)), null).code());
        }
        assertLimited(api.post("/api/devices/token", Map.of("device_id", "d", "device_secret", SelfRoutingSecret.generate(tenant)), null));
    }

    @Test
    void enrollmentGuessingIsLimitedPerTenantAcrossGetAndComplete() {
        Api api = new Api(client);
        TenantId tenant = fixtures.newTenant("rle");
        Fixtures.User web = fixtures.webUser(tenant);
        String real = api.post("/api/enrollment/create", Map.of(), web.token()).str("token");
        for (int i = 0; i < 3; i++) {
            assertEquals("ENROLLMENT_NOT_FOUND", api.get("/api/enrollment/" + SelfRoutingSecret.generate(tenant), null).code());
        }
        assertEquals("ENROLLMENT_NOT_FOUND", api.post("/api/enrollment/complete",
                Map.of("token", SelfRoutingSecret.generate(tenant), "device_id", "x"), null).code());
        assertEquals(200, api.get("/api/enrollment/" + real, null).status(), "fifth attempt still allowed");
        assertLimited(api.get("/api/enrollment/" + real, null));
        assertLimited(api.post("/api/enrollment/complete", Map.of("token", real, "device_id", "x"), null));
        assertEquals(201 / 100, api.post("/api/enrollment/create", Map.of(), web.token()).status() / 100,
                "authenticated web calls are not counted");
    }
}

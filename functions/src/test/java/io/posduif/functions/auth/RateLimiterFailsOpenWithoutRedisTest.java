package io.posduif.functions.auth;

import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Redis unreachable (a port nobody listens on): limits are not enforced, logins still work. */
@MicronautTest
class RateLimiterFailsOpenWithoutRedisTest extends StackTest {

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
        p.put("redis.uri", "redis://127.0.0.1:" + EmbeddedStack.freePort());
        p.put("posduif.rate-limit.login-per-client", "1");
        p.put("posduif.rate-limit.login-per-tenant", "1");
        return p;
    }

    @Test
    void loginsSucceedBeyondTheLimitWhenRedisIsDown() {
        Api api = new Api(client);
        TenantId tenant = fixtures.newTenant("rlopen");
        webUsers.create(tenant, "u", "good password", false);
        for (int i = 0; i < 3; i++) {
            Api.Resp r = api.post("/api/auth/login", Map.of("username", "u", "password", "good password", "tenant", tenant.value()), null);
            assertEquals(200, r.status(), "attempt " + i + ": " + r);
        }
    }
}

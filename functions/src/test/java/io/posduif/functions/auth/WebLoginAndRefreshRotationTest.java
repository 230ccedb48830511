package io.posduif.functions.auth;

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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class WebLoginAndRefreshRotationTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;
    @Inject
    WebUsers webUsers;

    Api api;
    TenantId tenant;
    TenantId defaultTenant;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.rate-limit.enabled", "false", "posduif.default-tenant", "login_default");
    }

    @BeforeAll
    void setUp() {
        api = new Api(client);
        tenant = fixtures.newTenant("login");
        defaultTenant = new TenantId("login_default");
        webUsers.create(tenant, "alice", "correct horse battery", false);
        webUsers.create(tenant, "root", "admin password 1", true);
    }

    private Api.Resp login(String user, String password, String tenantId) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("username", user, "password", password));
        if (tenantId != null) {
            body.put("tenant", tenantId);
        }
        return api.post("/api/auth/login", body, null);
    }

    @Test
    void passwordLoginReturnsTheSeedShapeAndAWorkingWebToken() throws Exception {
        Api.Resp r = login("alice", "correct horse battery", tenant.value());
        assertEquals(200, r.status(), r.toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> user = (Map<String, Object>) r.body().get("user");
        assertEquals("alice", user.get("username"));
        assertEquals("web", user.get("user_type"));
        assertEquals(List.of("web"), user.get("roles"));
        assertTrue(((Number) r.body().get("expires_in")).longValue() > 0);
        assertTrue(r.str("refresh_token").startsWith(tenant.value() + "."));
        assertEquals(200, api.get("/api/users", r.str("token")).status());
        try (Connection c = stack().connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT password_hash FROM " + tenant.schema() + ".posduif_users WHERE username = 'alice'")) {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String hash = rs.getString(1);
                assertTrue(hash.startsWith("pbkdf2-sha256$"), hash);
                assertTrue(Integer.parseInt(hash.split("\\$")[1]) >= 210_000);
                assertTrue(!hash.contains("correct horse"));
            }
        }
        Api.Resp admin = login("root", "admin password 1", tenant.value());
        @SuppressWarnings("unchecked")
        List<String> roles = (List<String>) ((Map<String, Object>) admin.body().get("user")).get("roles");
        assertTrue(roles.contains("admin") && roles.contains("web"), roles.toString());
    }

    @Test
    void everyWrongCombinationIsTheSame401() {
        for (String[] attempt : new String[][]{
                {"alice", "wrong password!", tenant.value()},
                {"nobody", "correct horse battery", tenant.value()},
                {"alice", "correct horse battery", "no_such_tenant"},
                {"alice", "correct horse battery", "Bad-Tenant!"},
                {"alice", "correct horse battery", null},            // default tenant: alice lives elsewhere
                {"ali\u0000ce", "x", tenant.value()}}) {
            Api.Resp r = login(attempt[0], attempt[1], attempt[2]);
            assertEquals(401, r.status(), String.join(",", String.valueOf(attempt[2])) + " " + r);
            assertEquals("INVALID_CREDENTIALS", r.code());
            assertEquals("invalid username or password", ((Map<?, ?>) r.body().get("error")).get("message"));
        }
        Api.Resp missing = api.post("/api/auth/login", Map.of("username", "alice"), null);
        assertEquals(400, missing.status());
        assertEquals("VALIDATION_ERROR", missing.code());
    }

    @Inject
    io.posduif.functions.tenant.Tenants tenants;

    @Test
    void oidcLoginIsAbsentUnlessConfigured() {
        Api.Resp r = api.post("/api/auth/oidc", Map.of("id_token", "a.b.c", "tenant", tenant.value()), null);
        assertEquals(404, r.status(), r.toString());
        assertEquals("NOT_FOUND", r.code());
    }

    @Test
    void loginWithoutTenantUsesTheDefaultTenant() {
        tenants.create(defaultTenant);
        String name = "carol_" + System.nanoTime();
        webUsers.create(defaultTenant, name, "carol password", false);
        Api.Resp r = login(name, "carol password", null);
        assertEquals(200, r.status(), r.toString());
        assertEquals(defaultTenant.value(), r.str("tenant_id"));
    }

    @Test
    void refreshRotatesAndReusingAnOldRefreshTokenKillsTheFamily() {
        Api.Resp l = login("alice", "correct horse battery", tenant.value());
        String r0 = l.str("refresh_token");
        Api.Resp first = api.post("/api/auth/refresh", Map.of("refresh_token", r0), null);
        assertEquals(200, first.status(), first.toString());
        String r1 = first.str("refresh_token");
        assertNotEquals(r0, r1);
        assertEquals(200, api.get("/api/users", first.str("token")).status());

        Api.Resp replay = api.post("/api/auth/refresh", Map.of("refresh_token", r0), null);
        assertEquals(401, replay.status());
        assertEquals("INVALID_REFRESH_TOKEN", replay.code());
        Api.Resp afterTheft = api.post("/api/auth/refresh", Map.of("refresh_token", r1), null);
        assertEquals("INVALID_REFRESH_TOKEN", afterTheft.code(), "the whole family is revoked");

        for (Object bad : new Object[]{"garbage", SelfRoutingSecret.generate(tenant), "no_such." + "A".repeat(43)}) {
            assertEquals("INVALID_REFRESH_TOKEN", api.post("/api/auth/refresh", Map.of("refresh_token", bad), null).code());
        }
        assertEquals("INVALID_REFRESH_TOKEN", api.post("/api/auth/refresh", Map.of(), null).code());
        // a refresh token with a swapped tenant prefix finds nothing
        Api.Resp l2 = login("alice", "correct horse battery", tenant.value());
        String rnd = l2.str("refresh_token").substring(l2.str("refresh_token").indexOf('.') + 1);
        assertEquals("INVALID_REFRESH_TOKEN", api.post("/api/auth/refresh", Map.of("refresh_token", defaultTenant.value() + "." + rnd), null).code());
    }
}

package io.posduif.functions.enrollment;

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

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

@MicronautTest
class EnrollmentTokenStatesGetSeedErrorsTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;

    Api api;
    TenantId tenant;
    TenantId other;
    Fixtures.User web;
    Fixtures.User otherWeb;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.rate-limit.enabled", "false");
    }

    @BeforeAll
    void setUp() {
        api = new Api(client);
        tenant = fixtures.newTenant("est");
        other = fixtures.newTenant("esto");
        web = fixtures.webUser(tenant);
        otherWeb = fixtures.webUser(other);
    }

    private String newToken() {
        return api.post("/api/enrollment/create", Map.of(), web.token()).str("token");
    }

    private void assertRefused(String token, int status, String code) {
        Api.Resp get = api.get("/api/enrollment/" + token, null);
        assertEquals(status, get.status(), "GET " + get);
        assertEquals(code, get.code(), "GET " + get);
        Api.Resp complete = api.post("/api/enrollment/complete", Map.of("token", token, "device_id", "d-" + System.nanoTime()), null);
        assertEquals(status, complete.status(), "complete " + complete);
        assertEquals(code, complete.code(), "complete " + complete);
    }

    @Test
    void unknownAndMalformedTokensAre404() {
        assertRefused(SelfRoutingSecret.generate(tenant), 404, "ENROLLMENT_NOT_FOUND");
        assertRefused("nonsense", 404, "ENROLLMENT_NOT_FOUND");
        assertRefused("nosuchtenant." + "A".repeat(43), 404, "ENROLLMENT_NOT_FOUND");
    }

    @Test
    void aForgedTenantPrefixFindsNothing() {
        String token = newToken();
        String random = token.substring(token.indexOf('.') + 1);
        assertRefused(other.value() + "." + random, 404, "ENROLLMENT_NOT_FOUND");
        assertEquals(200, api.get("/api/enrollment/" + token, null).status(), "the real token still works");
    }

    @Test
    void expiredTokenIs400Expired() throws Exception {
        String token = newToken();
        try (Connection c = stack().connect(); PreparedStatement ps = c.prepareStatement("UPDATE " + tenant.schema()
                + ".posduif_enrollment_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = ?")) {
            ps.setString(1, SelfRoutingSecret.hash(token));
            assertEquals(1, ps.executeUpdate());
        }
        assertRefused(token, 400, "ENROLLMENT_EXPIRED");
    }

    @Test
    void usedTokenIs400Used() {
        String token = newToken();
        assertEquals(200, api.post("/api/enrollment/complete", Map.of("token", token, "device_id", "used-1"), null).status());
        assertRefused(token, 400, "ENROLLMENT_USED");
    }

    @Test
    void revokedTokenIs400RevokedAndOnlyItsTenantMayRevoke() throws Exception {
        String token = newToken();
        Api.Resp foreign = api.call(HttpRequest.DELETE("/api/enrollment/" + token).bearerAuth(otherWeb.token()));
        assertEquals(404, foreign.status(), "another tenant's web user cannot see the token");
        assertEquals(200, api.get("/api/enrollment/" + token, null).status());

        Api.Resp revoked = api.call(HttpRequest.DELETE("/api/enrollment/" + token).bearerAuth(web.token()));
        assertEquals(204, revoked.status(), revoked.toString());
        assertRefused(token, 400, "ENROLLMENT_REVOKED");
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + tenant.schema() + ".posduif_devices WHERE device_id LIKE 'd-%'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "refused completions created no device");
        }
    }

    @Test
    void revokingAUsedTokenIsRefused() {
        String token = newToken();
        api.post("/api/enrollment/complete", Map.of("token", token, "device_id", "used-2"), null);
        Api.Resp r = api.call(HttpRequest.DELETE("/api/enrollment/" + token).bearerAuth(web.token()));
        assertEquals("ENROLLMENT_USED", r.code());
    }

    @Test
    void tokenHashIsStoredNotTheToken() throws Exception {
        String token = newToken();
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT token_hash FROM " + tenant.schema() + ".posduif_enrollment_tokens")) {
            while (rs.next()) {
                assertFalse(rs.getString(1).contains(token.substring(token.indexOf('.') + 1)));
            }
        }
    }
}

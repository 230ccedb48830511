package io.posduif.functions.users;

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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class UsersApiShowsMobileUsersWithPresenceTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient client;
    @Inject
    Fixtures fixtures;

    Api api;
    TenantId tenant;
    Fixtures.User web;
    Fixtures.User online;
    Fixtures.User offline;
    Fixtures.User never;
    Fixtures.Device onlineDevice;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.rate-limit.enabled", "false");
    }

    @BeforeAll
    void setUp() throws Exception {
        api = new Api(client);
        tenant = fixtures.newTenant("usr");
        web = fixtures.webUser(tenant);
        online = fixtures.mobileUser(tenant);
        offline = fixtures.mobileUser(tenant);
        never = fixtures.mobileUser(tenant);
        onlineDevice = fixtures.device(tenant, online.id());
        Fixtures.Device offlineDevice = fixtures.device(tenant, offline.id());
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            // what the relay maintains
            s.executeUpdate("UPDATE " + tenant.schema() + ".posduif_devices SET online = true, last_seen = '2024-01-15T10:30:00Z'"
                    + " WHERE device_id = '" + onlineDevice.deviceId() + "'");
            s.executeUpdate("UPDATE " + tenant.schema() + ".posduif_devices SET online = false, last_seen = '2024-01-14T08:00:00.5Z'"
                    + " WHERE device_id = '" + offlineDevice.deviceId() + "'");
        }
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> users(String query) {
        Api.Resp r = api.get("/api/users" + query, web.token());
        assertEquals(200, r.status(), r.toString());
        return (List<Map<String, Object>>) r.body().get("users");
    }

    private Map<String, Object> find(List<Map<String, Object>> users, Fixtures.User u) {
        return users.stream().filter(m -> u.id().toString().equals(m.get("id"))).findFirst().orElse(null);
    }

    @Test
    void listShowsOnlyMobileUsersWithSeedFields() {
        List<Map<String, Object>> all = users("");
        assertEquals(3, all.size(), all.toString());
        assertNull(find(all, web), "web users are not listed");
        Map<String, Object> on = find(all, online);
        assertEquals(online.username(), on.get("username"));
        assertEquals("mobile", on.get("user_type"));
        assertEquals(onlineDevice.deviceId(), on.get("device_id"));
        assertEquals(true, on.get("online_status"));
        assertEquals("2024-01-15T10:30:00.000Z", on.get("last_seen"));
        Map<String, Object> off = find(all, offline);
        assertEquals(false, off.get("online_status"));
        assertEquals("2024-01-14T08:00:00.500Z", off.get("last_seen"));
        Map<String, Object> nv = find(all, never);
        assertTrue(nv.containsKey("device_id") && nv.get("device_id") == null);
        assertTrue(nv.containsKey("last_seen") && nv.get("last_seen") == null);
        assertEquals(false, nv.get("online_status"));
    }

    @Test
    void statusAndFilterNarrowTheList() {
        List<Map<String, Object>> on = users("?status=true");
        assertEquals(1, on.size());
        assertEquals(online.id().toString(), on.get(0).get("id"));
        assertEquals(2, users("?status=false").size());
        List<Map<String, Object>> filtered = users("?filter=" + offline.username().substring(7).toUpperCase());
        assertEquals(1, filtered.size(), "case-insensitive substring");
        assertEquals(offline.id().toString(), filtered.get(0).get("id"));
        assertEquals(0, users("?filter=" + URLEncoder.encode("%", StandardCharsets.UTF_8)).size(), "% is literal, not a wildcard");
        assertEquals(0, users("?filter=" + URLEncoder.encode("' OR 1=1 --", StandardCharsets.UTF_8)).size());
    }

    @Test
    void badStatusIs400() {
        for (String bad : new String[]{"yes", "1", "TRUE"}) {
            Api.Resp r = api.get("/api/users?status=" + bad, web.token());
            assertEquals(400, r.status(), bad);
            assertEquals("VALIDATION_ERROR", r.code());
        }
        Api.Resp longFilter = api.get("/api/users?filter=" + "x".repeat(200), web.token());
        assertEquals("VALIDATION_ERROR", longFilter.code());
    }

    @Test
    void getOneUserAnd404ForUnknownMalformedAndOtherTenantsIds() {
        Api.Resp one = api.get("/api/users/" + online.id(), web.token());
        assertEquals(200, one.status(), one.toString());
        assertEquals(online.username(), one.str("username"));
        assertEquals(true, one.body().get("online_status"));
        assertTrue(one.str("created_at").endsWith("Z"));

        TenantId other = fixtures.newTenant("usro");
        Fixtures.User stranger = fixtures.mobileUser(other);
        for (String id : new String[]{UUID.randomUUID().toString(), "not-a-uuid", stranger.id().toString()}) {
            Api.Resp r = api.get("/api/users/" + id, web.token());
            assertEquals(404, r.status(), id + " " + r);
            assertEquals("NOT_FOUND", r.code());
        }
        assertEquals(200, api.get("/api/users/" + stranger.id(), fixtures.webUser(other).token()).status(),
                "the same id works for its own tenant");
    }

    @Test
    void devicesCannotReadTheUsersApi() {
        Api.Resp r = api.get("/api/users", onlineDevice.token());
        assertEquals(401, r.status());
        assertEquals("WRONG_TOKEN_TYPE", r.code());
    }
}

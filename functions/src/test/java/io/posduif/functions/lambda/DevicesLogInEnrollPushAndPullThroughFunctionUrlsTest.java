package io.posduif.functions.lambda;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.auth.WebUsers;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device's whole life on AWS, through the production handler
 * ({@code APIGatewayV2HTTPEventFunction}) with Function URL events only: a web admin logs in,
 * applies the tenant's schema and creates an enrollment; a device redeems it, exchanges its
 * secret, fetches app-instructions, pushes a gzip batch (base64 body, as the Function URL
 * delivers binary) and pulls it back gzip-encoded. The Netty server of the test context is
 * not used for any of it.
 */
@MicronautTest
class DevicesLogInEnrollPushAndPullThroughFunctionUrlsTest extends StackTest {

    static final String SCHEMA = """
            tables:
              notes:
                sync: mobile-synced
                conflict: lww
                filter: owner_id = :user_id
                columns:
                  id:       { type: uuid, primary_key: true }
                  owner_id: { type: uuid, nullable: false }
                  body:     { type: text }
                  n:        { type: integer }
            """;

    @Inject
    Fixtures fixtures;
    @Inject
    WebUsers webUsers;

    FunctionUrlInvoker lambda;
    TenantId tenant;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.rate-limit.enabled", "false");
    }

    @BeforeAll
    void setUp() {
        lambda = new FunctionUrlInvoker(getProperties());
        tenant = fixtures.newTenant("fnurl");
        webUsers.create(tenant, "admin", "admin password 1", true);
    }

    @AfterAll
    void tearDown() {
        lambda.close();
    }

    private String login() {
        FunctionUrlInvoker.Answer a = lambda.json("POST", "/api/auth/login", null,
                Map.of("username", "admin", "password", "admin password 1", "tenant", tenant.value()));
        assertEquals(200, a.status(), a.text());
        return (String) lambda.map(a).get("token");
    }

    private void applySchema(String webToken) {
        FunctionUrlInvoker.Answer a = lambda.send("POST", "/api/admin/schema/apply",
                Map.of("authorization", "Bearer " + webToken, "content-type", "application/yaml"),
                SCHEMA.getBytes(StandardCharsets.UTF_8), false);
        assertEquals(200, a.status(), a.text());
    }

    record Enrolled(String deviceId, String userId, String secret, String accessToken) {
    }

    private Enrolled enroll(String webToken, String deviceId) {
        FunctionUrlInvoker.Answer created = lambda.json("POST", "/api/enrollment/create", webToken, Map.of());
        assertEquals(200, created.status(), created.text());
        String token = (String) lambda.map(created).get("token");
        @SuppressWarnings("unchecked")
        Map<String, Object> qr = (Map<String, Object>) lambda.map(created).get("qr_code_data");
        assertEquals("https://" + FunctionUrlInvoker.HOST + "/api/enrollment/" + token, qr.get("enrollment_url"),
                "the QR code points devices at the Function URL they came through");

        FunctionUrlInvoker.Answer details = lambda.json("GET", "/api/enrollment/" + token, null, null);
        assertEquals(200, details.status(), details.text());
        assertEquals(Boolean.TRUE, lambda.map(details).get("valid"));

        FunctionUrlInvoker.Answer done = lambda.json("POST", "/api/enrollment/complete", null, Map.of(
                "token", token, "device_id", deviceId, "username", "mobile-" + deviceId,
                "device_info", Map.of("platform", "android", "version", "14", "model", "Pixel 8", "app_version", "1.0.0")));
        assertEquals(200, done.status(), done.text());
        Map<String, Object> d = lambda.map(done);
        assertEquals(tenant.value(), d.get("tenant_id"));
        assertEquals("https://" + FunctionUrlInvoker.HOST + "/api/app-instructions", d.get("app_instructions_url"));

        FunctionUrlInvoker.Answer used = lambda.json("POST", "/api/enrollment/complete", null,
                Map.of("token", token, "device_id", deviceId + "-thief", "username", "thief"));
        assertEquals(400, used.status(), used.text());
        assertEquals("ENROLLMENT_USED", lambda.code(used));
        return new Enrolled(deviceId, (String) d.get("user_id"), (String) d.get("device_secret"), (String) d.get("access_token"));
    }

    private Map<String, Object> pushGzip(String deviceToken, List<Map<String, Object>> ops) {
        byte[] gz = FunctionUrlInvoker.gzip(lambda.bytes(Map.of("ops", ops)));
        FunctionUrlInvoker.Answer a = lambda.send("POST", "/api/sync/push", Map.of(
                "authorization", "Bearer " + deviceToken, "content-type", "application/json",
                "content-encoding", "gzip", "accept-encoding", "gzip"), gz, true);
        assertEquals(200, a.status(), a.text());
        return lambda.map(a);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDeviceLivesItsWholeLifeThroughFunctionUrlEvents() throws Exception {
        String web = login();
        applySchema(web);
        Enrolled phone = enroll(web, "fn-phone-1");

        // the device secret is exchanged (and rotated) for a fresh device token
        FunctionUrlInvoker.Answer exchanged = lambda.json("POST", "/api/devices/token", null,
                Map.of("device_id", phone.deviceId(), "device_secret", phone.secret()));
        assertEquals(200, exchanged.status(), exchanged.text());
        String deviceToken = (String) lambda.map(exchanged).get("access_token");
        assertNotEquals(phone.secret(), lambda.map(exchanged).get("device_secret"));

        FunctionUrlInvoker.Answer instructions = lambda.json("GET", "/api/app-instructions", deviceToken, null);
        assertEquals(200, instructions.status(), instructions.text());
        Map<String, Object> schema = (Map<String, Object>) lambda.map(instructions).get("schema");
        List<Map<String, Object>> tables = (List<Map<String, Object>>) schema.get("tables");
        assertEquals(List.of("notes"), tables.stream().map(t -> t.get("name")).toList());

        List<Map<String, Object>> ops = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            Map<String, Object> op = new HashMap<>();
            op.put("op_id", UUID.randomUUID().toString());
            op.put("table", "notes");
            op.put("op", "upsert");
            op.put("pk", Map.of("id", id));
            op.put("data", Map.of("id", id, "owner_id", phone.userId(), "body", "note " + i + " ".repeat(200), "n", i));
            op.put("changed_fields", List.of("body", "n"));
            op.put("client_ts", "2026-11-21T22:00:00.000Z");
            ops.add(op);
        }
        Map<String, Object> pushed = pushGzip(deviceToken, ops);
        List<Map<String, Object>> results = (List<Map<String, Object>>) pushed.get("results");
        assertEquals(60, results.size());
        assertTrue(results.stream().allMatch(r -> "applied".equals(r.get("status"))), results.toString());

        // a retry of the same request (a Lambda timeout seen by the client) applies nothing
        Map<String, Object> replayed = pushGzip(deviceToken, ops);
        assertTrue(((List<Map<String, Object>>) replayed.get("results")).stream().allMatch(r -> "duplicate".equals(r.get("status"))));
        long rows;
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + tenant.schema() + ".notes WHERE owner_id = '" + phone.userId() + "'")) {
            rs.next();
            rows = rs.getLong(1);
        }
        assertEquals(60, rows);

        // a second device of another user pulls nothing of the phone's notes; the phone's own pull returns them all
        FunctionUrlInvoker.Answer pulled = lambda.send("GET", "/api/sync/pull?cursor=0&limit=1000",
                Map.of("authorization", "Bearer " + deviceToken, "accept-encoding", "gzip"), null, false);
        assertEquals(200, pulled.status(), pulled.text());
        assertEquals("gzip", pulled.header("Content-Encoding"), "a 60-note page leaves compressed");
        assertTrue(pulled.wasBase64(), "the Function URL needs binary bodies base64-encoded");
        Map<String, Object> page = lambda.map(pulled);
        List<Map<String, Object>> changes = (List<Map<String, Object>>) page.get("changes");
        Set<String> pulledIds = new HashSet<>();
        changes.forEach(ch -> pulledIds.add(String.valueOf(((Map<String, Object>) ch.get("pk")).get("id"))));
        assertEquals(ids, pulledIds);
        assertEquals(Boolean.FALSE, page.get("has_more"));

        FunctionUrlInvoker.Answer next = lambda.send("GET", "/api/sync/pull?cursor=" + page.get("cursor"),
                Map.of("authorization", "Bearer " + deviceToken), null, false);
        assertEquals(200, next.status(), next.text());
        assertTrue(((List<?>) lambda.map(next).get("changes")).isEmpty(), next.text());

        Enrolled tablet = enroll(web, "fn-tablet-2");
        FunctionUrlInvoker.Answer other = lambda.json("GET", "/api/sync/pull?cursor=0", tablet.accessToken(), null);
        assertEquals(200, other.status(), other.text());
        assertTrue(((List<?>) lambda.map(other).get("changes")).isEmpty(), "another user's device sees none of the phone's notes");
    }

    @Test
    void mistakesThroughFunctionUrlsGetWireErrorsAndChangeNothing() throws Exception {
        String web = login();
        applySchema(web);
        Enrolled device = enroll(web, "fn-bad-1");
        long before = notes();

        FunctionUrlInvoker.Answer wrongPassword = lambda.json("POST", "/api/auth/login", null,
                Map.of("username", "admin", "password", "not the password", "tenant", tenant.value()));
        assertEquals(401, wrongPassword.status(), wrongPassword.text());
        assertEquals("INVALID_CREDENTIALS", lambda.code(wrongPassword));

        FunctionUrlInvoker.Answer anonymousPull = lambda.json("GET", "/api/sync/pull", null, null);
        assertEquals(401, anonymousPull.status(), anonymousPull.text());
        assertEquals("UNAUTHORIZED", lambda.code(anonymousPull));

        FunctionUrlInvoker.Answer webPull = lambda.json("GET", "/api/sync/pull", web, null);
        assertTrue(webPull.status() == 401 || webPull.status() == 403, webPull.text());
        assertFalse(webPull.text().contains("changes"));

        FunctionUrlInvoker.Answer deviceEnrolls = lambda.json("POST", "/api/enrollment/create", device.accessToken(), Map.of());
        assertTrue(deviceEnrolls.status() == 401 || deviceEnrolls.status() == 403, deviceEnrolls.text());

        FunctionUrlInvoker.Answer corrupt = lambda.send("POST", "/api/sync/push", Map.of(
                "authorization", "Bearer " + device.accessToken(), "content-type", "application/json",
                "content-encoding", "gzip"), new byte[]{0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3}, true);
        assertEquals(400, corrupt.status(), corrupt.text());
        assertEquals("INVALID_GZIP", lambda.code(corrupt));

        String id = UUID.randomUUID().toString();
        FunctionUrlInvoker.Answer outOfScope = lambda.json("POST", "/api/sync/push", device.accessToken(), Map.of("ops", List.of(Map.of(
                "op_id", UUID.randomUUID().toString(), "table", "notes", "op", "upsert", "pk", Map.of("id", id),
                "data", Map.of("id", id, "owner_id", UUID.randomUUID().toString(), "body", "not mine"),
                "changed_fields", List.of("body"), "client_ts", "2026-11-21T22:00:00.000Z"))));
        assertEquals(200, outOfScope.status(), outOfScope.text());
        assertTrue(outOfScope.text().contains("OUT_OF_SCOPE"), outOfScope.text());

        FunctionUrlInvoker.Answer badCursor = lambda.json("GET", "/api/sync/pull?cursor=%27;drop", device.accessToken(), null);
        assertEquals(400, badCursor.status(), badCursor.text());

        assertEquals(before, notes(), "no mistake wrote a row");
    }

    private long notes() throws Exception {
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + tenant.schema() + ".notes")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

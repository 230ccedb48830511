package io.posduif.functions.tenant;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attacker holds valid credentials of tenant A (a web admin and an enrolled device) and
 * knows tenant B's ids (users, devices, enrollment tokens, message and row ids). Whatever ids
 * it puts in paths, bodies, query strings or headers, it reads nothing of B and changes
 * nothing of B: the tenant comes from the token alone.
 */
@MicronautTest
class CredentialsOfOneTenantReachNothingOfAnotherTest extends StackTest {

    @Inject
    EmbeddedServer server;
    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier schemas;
    @Inject
    Db db;

    RawHttp http;
    TenantId a;
    TenantId b;
    Fixtures.User aAdmin;
    Fixtures.Device aDevice;
    Fixtures.User bAdmin;
    Fixtures.User bMobile;
    Fixtures.Device bDevice;
    UUID bMessage;
    UUID bNote;
    String bEnrollment;
    Map<String, Long> bCountsBefore;

    @BeforeAll
    void twoTenantsWithTheDemoSchema() throws IOException {
        http = new RawHttp(server.getURI());
        String source = Files.readString(Path.of("../infra/tenants/demo.yaml"));
        a = fixtures.newTenant("iso_atk");
        b = fixtures.newTenant("iso_vic");
        for (TenantId t : List.of(a, b)) {
            schemas.apply(t, SchemaParser.parse("demo.yaml", source), false, "test");
        }
        aAdmin = fixtures.webUser(a, "admin", "web");
        Fixtures.User aMobile = fixtures.mobileUser(a);
        aDevice = fixtures.device(a, aMobile.id());
        bAdmin = fixtures.webUser(b, "admin", "web");
        bMobile = fixtures.mobileUser(b);
        bDevice = fixtures.device(b, bMobile.id());
        bMessage = UUID.randomUUID();
        bNote = UUID.randomUUID();
        exec(b, "INSERT INTO " + Sql.q(b.schema(), "messages") + " (id, sender_id, recipient_id, content) VALUES (?, ?, ?, 'b secret message')",
                bMessage, bAdmin.id(), bMobile.id());
        exec(b, "INSERT INTO " + Sql.q(b.schema(), "notes") + " (id, owner_id, title, body) VALUES (?, ?, 'b title', 'b secret note')",
                bNote, bMobile.id());
        RawHttp.Response enr = http.postJson("/api/enrollment/create", bearer(bAdmin.token()), "{\"username\":\"b_enrollee\"}");
        assertEquals(200, enr.status(), enr.text());
        bEnrollment = http.json(enr).get("token").getStringValue();
        bCountsBefore = counts(b);
    }

    private void exec(TenantId t, String sql, Object... args) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                ps.executeUpdate();
            }
            return null;
        });
    }

    private String one(String sql, Object arg) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setObject(1, arg);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    private Map<String, Long> counts(TenantId t) {
        Map<String, Long> out = new HashMap<>();
        for (String table : List.of("posduif_users", "posduif_devices", "messages", "notes", "users")) {
            out.put(table, Long.parseLong(one("SELECT count(*) FROM " + Sql.q(t.schema(), table) + " WHERE ? IS NOT NULL", 1)));
        }
        return out;
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static Map<String, String> withTenantHints(String token, TenantId victim) {
        Map<String, String> h = new HashMap<>(bearer(token));
        h.put("X-Tenant-ID", victim.value());
        h.put("X-Tenant", victim.value());
        h.put("Tenant", victim.value());
        return h;
    }

    /** Every answer to an attack: a 4xx in the wire format (never a 2xx with B's data, never a 5xx). */
    private void refused(RawHttp.Response r, String what) {
        assertTrue(r.status() >= 400 && r.status() < 500, what + " -> " + r.status() + " " + r.text());
        http.errorCode(r);
    }

    private void leaksNothing(RawHttp.Response r, String what) {
        String body = r.text();
        for (String secret : List.of(bMobile.id().toString(), bMobile.username(), bAdmin.username(), bDevice.deviceId(),
                bMessage.toString(), bNote.toString(), "b secret message", "b secret note", b.value())) {
            assertFalse(body.contains(secret), what + " leaked " + secret + ": " + body);
        }
    }

    @Test
    void readsWithVictimIdsFindNothing() {
        String t = aAdmin.token();
        for (String path : List.of("/api/users/" + bMobile.id(), "/api/users/" + bAdmin.id(), "/api/messages/" + bMessage,
                "/api/tables/notes/rows/" + bNote, "/api/tables/messages/rows/" + bMessage,
                "/api/enrollment/" + bEnrollment + "/qr.svg", "/api/enrollment/" + bEnrollment + "/qr.png")) {
            RawHttp.Response r = http.get(path, withTenantHints(t, b));
            refused(r, "GET " + path);
            leaksNothing(r, "GET " + path);
        }
        for (String path : List.of("/api/users", "/api/users?filter=" + bMobile.username(), "/api/devices", "/api/messages",
                "/api/messages?recipient_id=" + bMobile.id(), "/api/tables/notes/rows", "/api/tables/messages/rows",
                "/api/conflicts", "/api/schema", "/api/users?tenant=" + b.value())) {
            RawHttp.Response r = http.get(path, withTenantHints(t, b));
            assertTrue(r.status() < 500, path + " -> " + r.status());
            leaksNothing(r, "GET " + path);
        }
    }

    @Test
    void writesWithVictimIdsChangeNothingOfTheVictim() {
        String t = aAdmin.token();
        Map<String, String> h = withTenantHints(t, b);
        refused(http.send("POST", "/api/devices/" + bDevice.deviceId() + "/revoke", h, null), "revoke B's device");
        refused(http.send("PUT", "/api/messages/" + bMessage + "/read", h, null), "mark B's message read");
        refused(http.send("DELETE", "/api/tables/notes/rows/" + bNote, h, null), "delete B's note");
        RawHttp.Response put = http.send("PUT", "/api/tables/notes/rows/" + bNote, jsonHeaders(h),
                ("{\"title\":\"pwned\",\"owner_id\":\"" + bMobile.id() + "\"}").getBytes());
        assertTrue(put.status() < 500, "update B's note -> " + put.text());
        RawHttp.Response del = http.send("DELETE", "/api/enrollment/" + bEnrollment, h, null);
        assertTrue(del.status() < 500, "revoke B's enrollment token -> " + del.text());
        RawHttp.Response msg = http.postJson("/api/messages", h,
                "{\"recipient_id\":\"" + bMobile.id() + "\",\"content\":\"to a user of another tenant\"}");
        refused(msg, "message B's user");

        // B is exactly as before
        assertEquals(bCountsBefore, counts(b));
        assertEquals("b title", one("SELECT title FROM " + Sql.q(b.schema(), "notes") + " WHERE id = ?", bNote));
        assertEquals("pending_sync", one("SELECT status FROM " + Sql.q(b.schema(), "messages") + " WHERE id = ?", bMessage));
        assertEquals("f", one("SELECT (revoked_at IS NOT NULL)::text::char FROM " + Sql.q(b.schema(), "posduif_devices") + " WHERE device_id = ?", bDevice.deviceId()));
        assertEquals(200, http.get("/api/devices/me", bearer(bDevice.token())).status(), "B's device still works");
        RawHttp.Response enr = http.get("/api/enrollment/" + bEnrollment, Map.of());
        assertEquals(200, enr.status(), "B's enrollment token is still valid: " + enr.text());
    }

    @Test
    void aDeviceOfAPushingAndPullingVictimIdsStaysInItsOwnTenant() {
        Map<String, String> h = jsonHeaders(withTenantHints(aDevice.token(), b));
        h.put("X-Device-ID", aDevice.deviceId());
        String ts = java.time.Instant.now().toString();
        List<String> ops = new ArrayList<>();
        ops.add("{\"op_id\":\"" + UUID.randomUUID() + "\",\"table\":\"notes\",\"op\":\"upsert\",\"pk\":{\"id\":\"" + bNote
                + "\"},\"data\":{\"id\":\"" + bNote + "\",\"owner_id\":\"" + aDevice.userId() + "\",\"title\":\"pwned\"},"
                + "\"changed_fields\":[\"title\"],\"client_ts\":\"" + ts + "\"}");
        ops.add("{\"op_id\":\"" + UUID.randomUUID() + "\",\"table\":\"notes\",\"op\":\"delete\",\"pk\":{\"id\":\"" + bNote
                + "\"},\"client_ts\":\"" + ts + "\"}");
        ops.add("{\"op_id\":\"" + UUID.randomUUID() + "\",\"table\":\"" + b.schema() + ".notes\",\"op\":\"delete\",\"pk\":{\"id\":\"" + bNote
                + "\"},\"client_ts\":\"" + ts + "\"}");
        ops.add("{\"op_id\":\"" + UUID.randomUUID() + "\",\"table\":\"messages\",\"op\":\"upsert\",\"pk\":{\"id\":\"" + bMessage
                + "\"},\"data\":{\"id\":\"" + bMessage + "\",\"sender_id\":\"" + aDevice.userId() + "\",\"recipient_id\":\"" + bMobile.id()
                + "\",\"content\":\"x\",\"status\":\"read\"},\"changed_fields\":[\"status\"],\"client_ts\":\"" + ts + "\"}");
        RawHttp.Response push = http.send("POST", "/api/sync/push", h, ("{\"ops\":[" + String.join(",", ops) + "]}").getBytes());
        assertTrue(push.status() < 500, push.text());
        // the answer may echo what the attacker sent (ids, a table name); it must hold none of B's content
        assertFalse(push.text().contains("b secret"), push.text());
        assertFalse(push.text().contains(bMobile.username()), push.text());

        RawHttp.Response pull = http.get("/api/sync/pull?cursor=0&limit=1000", h);
        assertEquals(200, pull.status(), pull.text());
        assertFalse(pull.text().contains("b secret"), pull.text());
        RawHttp.Response status = http.get("/api/sync/status", h);
        leaksNothing(status, "status");
        RawHttp.Response me = http.get("/api/devices/me", h);
        assertEquals(a.value(), http.json(me).get("tenant_id").getStringValue());

        assertEquals(bCountsBefore, counts(b));
        assertEquals("b title", one("SELECT title FROM " + Sql.q(b.schema(), "notes") + " WHERE id = ?", bNote));
        assertEquals("pending_sync", one("SELECT status FROM " + Sql.q(b.schema(), "messages") + " WHERE id = ?", bMessage));
    }

    @Test
    void aDeviceCannotClaimTheVictimsDeviceId() {
        Map<String, String> h = new HashMap<>(bearer(aDevice.token()));
        h.put("X-Device-ID", bDevice.deviceId());
        RawHttp.Response r = http.get("/api/sync/pull?cursor=0", h);
        assertEquals(401, r.status(), r.text());
        assertEquals("DEVICE_MISMATCH", http.errorCode(r));
    }

    private static Map<String, String> jsonHeaders(Map<String, String> h) {
        Map<String, String> out = new HashMap<>(h);
        out.put("Content-Type", "application/json");
        return out;
    }
}

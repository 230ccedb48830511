package io.posduif.functions.sync;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Db;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class PullServesScopeRemovalsAndPagesTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    Db db;
    @Inject
    Retention retention;
    @Inject
    JsonMapper json;
    @Inject
    @Client("/")
    HttpClient http;

    TenantId tenant;
    Fixtures.User alice;
    Fixtures.User bob;
    Fixtures.User carol;
    Fixtures.Device aliceDevice;
    Fixtures.Device bobDevice;
    Fixtures.Device carolDevice;

    @BeforeAll
    void setUp() {
        tenant = fixtures.newTenant("pull");
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        alice = fixtures.mobileUser(tenant);
        bob = fixtures.mobileUser(tenant);
        carol = fixtures.mobileUser(tenant);
        aliceDevice = fixtures.device(tenant, alice.id());
        bobDevice = fixtures.device(tenant, bob.id());
        carolDevice = fixtures.device(tenant, carol.id());
    }

    record PullResult(List<Map<String, Object>> changes, String cursor, boolean hasMore, int schemaVersion) {
    }

    @SuppressWarnings("unchecked")
    PullResult pull(Fixtures.Device d, String cursor, Integer limit) {
        String q = "/api/sync/pull?" + (cursor == null ? "" : "cursor=" + cursor) + (limit == null ? "" : "&limit=" + limit);
        String body = http.toBlocking().retrieve(HttpRequest.GET(q).bearerAuth(d.token()));
        try {
            Map<String, Object> m = json.readValue(body, Map.class);
            return new PullResult((List<Map<String, Object>>) m.get("changes"), (String) m.get("cursor"),
                    (Boolean) m.get("has_more"), ((Number) m.get("schema_version")).intValue());
        } catch (IOException e) {
            throw new AssertionError(body, e);
        }
    }

    void sql(String statement) {
        db.withConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute(statement.replace("$S", tenant.schema()));
            }
            return null;
        });
    }

    @Test
    void plainSqlWritesReachOnlyTheOwnersDeviceAndMovesBecomeRemovals() {
        UUID n1 = UUID.randomUUID();
        PullResult a0 = pull(aliceDevice, null, null);
        PullResult b0 = pull(bobDevice, null, null);
        PullResult c0 = pull(carolDevice, null, null);
        sql("INSERT INTO $S.notes (id, owner, body, n, at) VALUES ('" + n1 + "', '" + alice.id()
                + "', 'hello', 1, '2024-01-15T10:35:00.123456Z')");

        PullResult a1 = pull(aliceDevice, a0.cursor(), null);
        assertEquals(1, a1.changes().size());
        Map<String, Object> ch = a1.changes().get(0);
        assertEquals("notes", ch.get("table"));
        assertEquals("upsert", ch.get("op"));
        assertEquals(Map.of("id", n1.toString()), ch.get("pk"));
        @SuppressWarnings("unchecked") Map<String, Object> data = (Map<String, Object>) ch.get("data");
        assertEquals("hello", data.get("body"));
        assertEquals("2024-01-15T10:35:00.123Z", data.get("at"), "timestamps travel in wire form");
        assertEquals(1, ((Number) data.get("n")).intValue());
        assertEquals(0, pull(bobDevice, b0.cursor(), null).changes().size(), "bob's scope does not hold alice's note");

        // alice → bob → carol while alice is offline: alice must still hear that it left her scope
        sql("UPDATE $S.notes SET owner = '" + bob.id() + "' WHERE id = '" + n1 + "'");
        sql("UPDATE $S.notes SET owner = '" + carol.id() + "', body = 'moved' WHERE id = '" + n1 + "'");
        PullResult a2 = pull(aliceDevice, a1.cursor(), null);
        assertEquals(1, a2.changes().size());
        assertEquals("delete", a2.changes().get(0).get("op"));
        assertEquals(Map.of("id", n1.toString()), a2.changes().get(0).get("pk"));
        assertFalse(a2.changes().get(0).containsKey("data"), "a removal carries no row data");

        PullResult b1 = pull(bobDevice, b0.cursor(), null);
        assertEquals(1, b1.changes().size());
        assertEquals("delete", b1.changes().get(0).get("op"), "bob held it briefly; he gets the removal");
        PullResult c1 = pull(carolDevice, c0.cursor(), null);
        assertEquals(1, c1.changes().size(), "superseded entries are compacted: one change per row");
        assertEquals("upsert", c1.changes().get(0).get("op"));

        // a real delete reaches the holder as a tombstone
        sql("DELETE FROM $S.notes WHERE id = '" + n1 + "'");
        PullResult c2 = pull(carolDevice, c1.cursor(), null);
        assertEquals(1, c2.changes().size());
        assertEquals("delete", c2.changes().get(0).get("op"));
        assertEquals(0, pull(carolDevice, c2.cursor(), null).changes().size(), "nothing is served twice");
    }

    /** Pages copy each change's text as PostgreSQL sent it: text outside ASCII must arrive as written. */
    @Test
    void textBeyondAsciiArrivesAsWritten() {
        UUID id = UUID.randomUUID();
        String body = "h\u00e9llo \u4e16\u754c \uD83D\uDE00 \u2028 \"quoted\" \\ end";
        PullResult a0 = pull(aliceDevice, null, null);
        db.withConnection(c -> {
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO " + tenant.schema() + ".notes (id, owner, body) VALUES (?, ?, ?)")) {
                ps.setObject(1, id);
                ps.setObject(2, alice.id());
                ps.setString(3, body);
                ps.executeUpdate();
            }
            return null;
        });
        PullResult a1 = pull(aliceDevice, a0.cursor(), null);
        assertEquals(1, a1.changes().size());
        @SuppressWarnings("unchecked") Map<String, Object> data = (Map<String, Object>) a1.changes().get(0).get("data");
        assertEquals(body, data.get("body"));
    }

    @Test
    void aCommitBehindAnOlderRunningTransactionWaitsUntilThatOneEnds() throws Exception {
        Fixtures.User gina = fixtures.mobileUser(tenant);
        Fixtures.Device d = fixtures.device(tenant, gina.id());
        String start = pull(d, null, null).cursor();
        UUID early = UUID.randomUUID();
        UUID late = UUID.randomUUID();
        try (java.sql.Connection older = stack().connect()) {
            older.setAutoCommit(false);
            try (Statement s = older.createStatement()) {
                // the older transaction takes its txid first, then holds
                s.execute("INSERT INTO " + tenant.schema() + ".notes (id, owner, body) VALUES ('" + early + "', '" + gina.id() + "', 'early')");
            }
            sql("INSERT INTO $S.notes (id, owner, body) VALUES ('" + late + "', '" + gina.id() + "', 'late')");
            PullResult during = pull(d, start, null);
            assertEquals(0, during.changes().size(), "the later commit is held back while an older transaction runs");
            older.commit();
            PullResult after = pull(d, during.cursor(), null);
            assertEquals(List.of(early.toString(), late.toString()),
                    after.changes().stream().map(ch -> ((Map<?, ?>) ch.get("pk")).get("id").toString()).toList(),
                    "both arrive, in txid order, once the older one committed");
        }
    }

    @Test
    void pagesFollowHasMoreAndBootstrapFromZeroGivesCurrentState() {
        Fixtures.User dave = fixtures.mobileUser(tenant);
        Fixtures.Device daveDevice = fixtures.device(tenant, dave.id());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id.toString());
            sql("INSERT INTO $S.notes (id, owner, body, n) VALUES ('" + id + "', '" + dave.id() + "', 'v1', " + i + ")");
        }
        // every row rewritten: the bootstrap still holds one entry per row, the latest
        sql("UPDATE $S.notes SET body = 'v2' WHERE owner = '" + dave.id() + "'");
        List<Map<String, Object>> all = new ArrayList<>();
        String cursor = "0";
        int pages = 0;
        PullResult p;
        do {
            p = pull(daveDevice, cursor, 10);
            all.addAll(p.changes());
            assertTrue(p.changes().size() <= 10);
            cursor = p.cursor();
            pages++;
        } while (p.hasMore());
        assertEquals(3, pages);
        assertEquals(25, all.size());
        for (Map<String, Object> ch : all) {
            @SuppressWarnings("unchecked") Map<String, Object> d = (Map<String, Object>) ch.get("data");
            assertEquals("v2", d.get("body"));
        }
        assertEquals(ids.stream().sorted().toList(),
                all.stream().map(ch -> ((Map<?, ?>) ch.get("pk")).get("id").toString()).sorted().toList());
        assertEquals(schemas.current(tenant).version(), p.schemaVersion());
    }

    @Test
    void tamperedOrForeignCursorsAndBadLimitsAreClientErrors() {
        PullResult p = pull(aliceDevice, null, null);
        String c = p.cursor();
        String tampered = c.substring(0, 10) + (c.charAt(10) == 'A' ? 'B' : 'A') + c.substring(11);
        assertError(() -> pull(aliceDevice, tampered, null), HttpStatus.BAD_REQUEST, "INVALID_CURSOR");
        assertError(() -> pull(aliceDevice, "not-a-cursor!!", null), HttpStatus.BAD_REQUEST, "INVALID_CURSOR");
        assertError(() -> pull(aliceDevice, null, 0), HttpStatus.BAD_REQUEST, "VALIDATION_ERROR");
        assertError(() -> pull(aliceDevice, null, 1001), HttpStatus.BAD_REQUEST, "VALIDATION_ERROR");

        // a cursor of another tenant's log means nothing here
        TenantId other = fixtures.newTenant("pullo");
        schemas.apply(other, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        Fixtures.Device foreign = fixtures.device(other, fixtures.mobileUser(other).id());
        String foreignCursor = pull(foreign, null, null).cursor();
        assertError(() -> pull(aliceDevice, foreignCursor, null), HttpStatus.CONFLICT, "RESET_REQUIRED");

        // a web token is not a device
        Fixtures.User web = fixtures.webUser(tenant);
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().retrieve(HttpRequest.GET("/api/sync/pull").bearerAuth(web.token())));
        assertEquals(401, e.getStatus().getCode());
    }

    @Test
    void cursorOlderThanTheRetentionHorizonMustReset() {
        Fixtures.User erin = fixtures.mobileUser(tenant);
        Fixtures.Device erinDevice = fixtures.device(tenant, erin.id());
        UUID id = UUID.randomUUID();
        sql("INSERT INTO $S.notes (id, owner, body) VALUES ('" + id + "', '" + erin.id() + "', 'x')");
        PullResult first = pull(erinDevice, null, null);
        assertEquals(1, first.changes().size());
        sql("DELETE FROM $S.notes WHERE id = '" + id + "'");
        String old = first.cursor();
        // a fresh cursor taken after the delete is fine; the old one may have missed the tombstone
        retention.purge(tenant, Duration.ZERO);
        assertError(() -> pull(erinDevice, old, null), HttpStatus.CONFLICT, "RESET_REQUIRED");
        PullResult again = pull(erinDevice, "0", null);
        assertTrue(again.changes().stream().noneMatch(ch -> ch.get("pk").equals(Map.of("id", id.toString()))));
        assertEquals(0, pull(erinDevice, again.cursor(), null).changes().size());
    }

    @Test
    void statusReportsCursorAndPendingChanges() {
        Fixtures.User frank = fixtures.mobileUser(tenant);
        Fixtures.Device d = fixtures.device(tenant, frank.id());
        Map<?, ?> before = status(d);
        assertEquals("never", before.get("sync_status"));
        assertEquals(d.deviceId(), before.get("device_id"));
        PullResult p = pull(d, null, null);
        pull(d, p.cursor(), null);
        sql("INSERT INTO $S.notes (id, owner, body) VALUES ('" + UUID.randomUUID() + "', '" + frank.id() + "', 'x')");
        Map<?, ?> pending = status(d);
        assertEquals("pending", pending.get("sync_status"));
        assertEquals(1, ((Number) pending.get("pending_outgoing_count")).intValue());
        assertNotEquals(null, pending.get("last_sync_timestamp"));
        assertTrue(pending.containsKey("schema_version"));
    }

    private Map<?, ?> status(Fixtures.Device d) {
        try {
            return json.readValue(http.toBlocking().retrieve(HttpRequest.GET("/api/sync/status").bearerAuth(d.token())), Map.class);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static void assertError(Runnable call, HttpStatus status, String code) {
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class, call::run);
        assertEquals(status, e.getStatus());
        String body = e.getResponse().getBody(String.class).orElse("");
        assertTrue(body.contains("\"" + code + "\""), "expected " + code + " in " + body);
    }
}

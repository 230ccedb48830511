package io.posduif.functions.sync;

import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A push's upserts record their own change-log entries (CaptureTriggers.pushUpsertSql) instead of
 * leaving it to the capture trigger; they must record exactly what the trigger would. Two tenants
 * with the same tables: a device pushes random batches to one (new rows, partial updates, rows
 * moving between the buckets of its scope, deletes, several ops on one row, a composite key, a
 * column default, timestamps and blobs); after every push the other gets the same final rows by
 * plain SQL, captured by the trigger. Entries (data, buckets, removals, origin) and scope rows
 * must be equal, and every pushed entry carries its row clock.
 */
@MicronautTest
class PushRecordsTheEntriesTheTriggerWouldTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    @Client("/")
    HttpClient http;
    @Inject
    JsonMapper json;

    static final String[] TEAMS = {"red", "green", "blue"};

    static List<TableDef> tables() {
        return SchemaParser.parse("cards.yaml", """
                tables:
                  cards:
                    sync: mobile-synced
                    filter: team IN :user.teams OR owner = :user_id
                    columns:
                      id: { type: uuid, primary_key: true }
                      team: { type: text }
                      owner: { type: uuid }
                      title: { type: text }
                      n: { type: integer, nullable: false, default: 7 }
                      at: { type: timestamp }
                      bits: { type: blob }
                  pairs:
                    sync: mobile-synced
                    columns:
                      a: { type: text, primary_key: true }
                      b: { type: integer, primary_key: true }
                      v: { type: json }
                  readings:
                    sync: mobile-synced
                    columns:
                      id: { type: uuid, primary_key: true }
                      v: { type: real }
                      n: { type: integer }
                      ok: { type: boolean }
                      note: { type: text }
                      doc: { type: json }
                """).atVersion(1).tables();
    }

    @Test
    void randomPushesLeaveTheLogThatPlainSqlWouldLeave() throws Exception {
        long seed = Long.getLong("capture.seed", System.nanoTime());
        System.out.println("PushRecordsTheEntriesTheTriggerWouldTest seed=" + seed + " (rerun with -Dcapture.seed=" + seed + ")");
        Random rnd = new Random(seed);
        TenantId pushed = fixtures.newTenant("cappush");
        TenantId twin = fixtures.newTenant("capsql");
        schemas.apply(pushed, tables());
        schemas.apply(twin, tables());
        Fixtures.User user = fixtures.mobileUser(pushed);
        Fixtures.Device device = fixtures.device(pushed, user.id());
        SyncHttp sync = new SyncHttp(http, json);
        List<UUID> readingIds = new ArrayList<>();
        UUID[] ids = new UUID[10];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = UUID.randomUUID();
        }
        try (Connection a = stack().connect(); Connection b = stack().connect()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            try (Statement st = a.createStatement()) {
                st.execute("UPDATE " + Sql.q(pushed.schema(), "posduif_users") + " SET attributes = '{\"teams\": [\"red\", \"green\", \"blue\"]}' WHERE id = '"
                        + user.id() + "'");
            }
            a.commit();
            Instant ts = Instant.parse("2026-01-01T00:00:00Z");
            boolean sawTombstone = false;
            boolean sawRemoval = false;
            for (int round = 0; round < 60; round++) {
                List<Map<String, Object>> ops = new ArrayList<>();
                Set<Object> cards = new LinkedHashSet<>();
                Set<List<Object>> pairs = new LinkedHashSet<>();
                Set<UUID> readings = new LinkedHashSet<>();
                Set<UUID> live = liveCards(a, pushed);
                // deletes only of rows the server holds: a delete of a row it never had records a
                // tombstone, which plain SQL cannot mirror
                Set<UUID> held = Set.copyOf(live);
                if (round % 5 == 4 && !live.isEmpty()) {
                    // a row without an entry (as one written before its table was captured): its
                    // buckets before the write come from the row alone
                    UUID bare = live.iterator().next();
                    forgetEntry(a, pushed, bare);
                    forgetEntry(b, twin, bare);
                }
                for (int k = 0, m = 1 + rnd.nextInt(8); k < m; k++) {
                    ts = ts.plusMillis(1 + rnd.nextInt(5));
                    UUID id = ids[rnd.nextInt(ids.length)];
                    if (rnd.nextInt(6) == 0) {
                        // whole rows whose entries are their input (CaptureTriggers.inputIsEntryData):
                        // doubles of every shape, strings that need escapes, nested JSON
                        UUID rid = readingIds.isEmpty() || rnd.nextBoolean() ? UUID.randomUUID() : readingIds.get(rnd.nextInt(readingIds.size()));
                        if (!readings.add(rid)) {
                            continue;
                        }
                        readingIds.add(rid);
                        Map<String, Object> data = new LinkedHashMap<>();
                        data.put("doc", rnd.nextBoolean() ? null : Map.of("x", REALS[rnd.nextInt(REALS.length)], "s", "a\"b\n", "l", List.of(1, 2.5)));
                        data.put("note", rnd.nextBoolean() ? null : "n\"" + rnd.nextInt(9) + "\\ é\u2028😀\t");
                        data.put("ok", rnd.nextBoolean());
                        data.put("n", rnd.nextBoolean() ? null : rnd.nextLong());
                        data.put("v", rnd.nextInt(5) == 0 ? null : REALS[rnd.nextInt(REALS.length)]);
                        data.put("id", rid.toString());
                        ops.add(SyncHttp.upsert("readings", rid, data, ts.toString()));
                    } else if (rnd.nextInt(8) == 0) {
                        Map<String, Object> op = new LinkedHashMap<>();
                        op.put("op_id", UUID.randomUUID().toString());
                        op.put("table", "pairs");
                        op.put("op", "upsert");
                        String ka = "k" + rnd.nextInt(3);
                        int kb = rnd.nextInt(2);
                        op.put("pk", Map.of("a", ka, "b", kb));
                        op.put("data", Map.of("a", ka, "b", kb, "v", Map.of("n", rnd.nextInt(9), "s", "x\"y")));
                        op.put("client_ts", ts.toString());
                        ops.add(op);
                        pairs.add(List.of(ka, kb));
                    } else if (rnd.nextInt(6) == 0 && held.contains(id)) {
                        ops.add(SyncHttp.delete("cards", id, ts.toString()));
                        cards.add(id);
                        live.remove(id);
                    } else {
                        Map<String, Object> data = new LinkedHashMap<>();
                        // a whole row (every column) of a new card takes the push's insert statement
                        boolean whole = rnd.nextInt(3) == 0;
                        // stays in the device's scope: in one of its teams, or without a team and its own
                        String team = rnd.nextInt(4) == 0 ? null : TEAMS[rnd.nextInt(TEAMS.length)];
                        if (whole || team != null || !live.contains(id) || rnd.nextBoolean()) {
                            data.put("team", team);
                            data.put("owner", team == null || rnd.nextBoolean() ? user.id().toString() : null);
                        }
                        if (whole || rnd.nextBoolean()) {
                            data.put("title", "t" + rnd.nextInt(50) + (rnd.nextBoolean() ? "'q" : ""));
                        }
                        if (whole || rnd.nextInt(3) == 0) {
                            data.put("n", rnd.nextInt(100));
                        }
                        if (whole || rnd.nextInt(3) == 0) {
                            data.put("at", rnd.nextBoolean() ? null : "2026-0" + (1 + rnd.nextInt(9)) + "-02T10:00:00.123Z");
                        }
                        if (whole || rnd.nextInt(3) == 0) {
                            data.put("bits", rnd.nextBoolean() ? null : java.util.Base64.getEncoder().encodeToString(new byte[]{(byte) rnd.nextInt(), 1, 2}));
                        }
                        if (!live.contains(id) && !data.containsKey("team")) {
                            data.put("team", TEAMS[rnd.nextInt(TEAMS.length)]);
                        }
                        ops.add(SyncHttp.upsert("cards", id, data, ts.toString()));
                        cards.add(id);
                        live.add(id);
                    }
                }
                List<Map<String, Object>> results = sync.push(device, ops.toArray(Map[]::new));
                for (Map<String, Object> r : results) {
                    assertTrue(Set.of("applied").contains(r.get("status")), "round " + round + ": " + r + " for " + ops);
                }
                mirror(a, pushed, b, twin, device.deviceId(), cards, pairs, readings);
                assertEquals(StatementCaptureAgreesWithRowCaptureTest.log(b, twin), StatementCaptureAgreesWithRowCaptureTest.log(a, pushed),
                        "change log after push " + round + " " + ops);
                assertEquals(StatementCaptureAgreesWithRowCaptureTest.scopes(b, twin), StatementCaptureAgreesWithRowCaptureTest.scopes(a, pushed),
                        "scope rows after push " + round);
                assertEquals(0L, count(a, "SELECT count(*) FROM " + Sql.q(pushed.schema(), "posduif_changes") + " WHERE clock IS NULL"),
                        "every pushed entry carries its row clock");
                String log = String.join("\n", StatementCaptureAgreesWithRowCaptureTest.log(a, pushed));
                sawRemoval |= log.contains("removed=[cards|user.teams=");
                sawTombstone |= log.contains("deleted=true");
            }
            assertTrue(sawRemoval, "rows moved between buckets of the scope");
            assertTrue(sawTombstone, "rows were deleted");
        }
    }

    /** Writes the pushed tenant's current rows of the given keys to the twin with plain SQL, in one transaction. */
    static void mirror(Connection a, TenantId from, Connection b, TenantId to, String origin, Set<Object> cards, Set<List<Object>> pairs,
                       Set<UUID> readings) throws Exception {
        try (Statement st = b.createStatement()) {
            st.execute("SELECT set_config('posduif.origin', '" + origin + "', true)");
        }
        for (Object id : cards) {
            try (PreparedStatement ps = a.prepareStatement("SELECT to_jsonb(c)::text FROM " + Sql.q(from.schema(), "cards") + " c WHERE id = ?::uuid")) {
                ps.setString(1, id.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        try (PreparedStatement up = b.prepareStatement("INSERT INTO " + Sql.q(to.schema(), "cards")
                                + " SELECT * FROM jsonb_populate_record(NULL::" + Sql.q(to.schema(), "cards") + ", ?::jsonb) "
                                + "ON CONFLICT (id) DO UPDATE SET team = EXCLUDED.team, owner = EXCLUDED.owner, title = EXCLUDED.title, "
                                + "n = EXCLUDED.n, at = EXCLUDED.at, bits = EXCLUDED.bits")) {
                            up.setString(1, rs.getString(1));
                            up.executeUpdate();
                        }
                    } else {
                        try (PreparedStatement del = b.prepareStatement("DELETE FROM " + Sql.q(to.schema(), "cards") + " WHERE id = ?::uuid")) {
                            del.setString(1, id.toString());
                            del.executeUpdate();
                        }
                    }
                }
            }
        }
        for (List<Object> k : pairs) {
            try (PreparedStatement up = b.prepareStatement("INSERT INTO " + Sql.q(to.schema(), "pairs") + " (a, b, v) SELECT a, b, v FROM "
                    + Sql.q(from.schema(), "pairs") + " WHERE a = ? AND b = ? ON CONFLICT (a, b) DO UPDATE SET v = EXCLUDED.v")) {
                // both tenants live in one database: the twin's statement reads the pushed tenant's row
                up.setString(1, (String) k.get(0));
                up.setInt(2, (Integer) k.get(1));
                up.executeUpdate();
            }
        }
        for (UUID id : readings) {
            try (PreparedStatement up = b.prepareStatement("INSERT INTO " + Sql.q(to.schema(), "readings") + " SELECT * FROM "
                    + Sql.q(from.schema(), "readings") + " WHERE id = ? ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n, "
                    + "ok = EXCLUDED.ok, note = EXCLUDED.note, doc = EXCLUDED.doc")) {
                up.setObject(1, id);
                up.executeUpdate();
            }
        }
        a.commit();
        b.commit();
    }

    /** Doubles whose text differs between Java and PostgreSQL unless written with care: integral, tiny, huge, zeros, subnormal. */
    static final Double[] REALS = {1.5, 3.0, -2.0, 0.1, 1e-5, 1.0e21, 1.2345678901234567e-300, 123456789.0, 0.0, -0.0, 100.0, 2.5e-7, Math.PI,
        Double.MIN_VALUE, 2 * Double.MIN_VALUE};

    static void forgetEntry(Connection c, TenantId t, UUID id) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("WITH e AS (DELETE FROM " + Sql.q(t.schema(), "posduif_changes")
                + " WHERE tbl = 'cards' AND pk = jsonb_build_object('id', ?::text) RETURNING txid, seq) DELETE FROM "
                + Sql.q(t.schema(), "posduif_change_scope") + " s USING e WHERE s.txid = e.txid AND s.seq = e.seq")) {
            ps.setString(1, id.toString());
            ps.executeUpdate();
        }
        c.commit();
    }

    static Set<UUID> liveCards(Connection c, TenantId t) throws Exception {
        Set<UUID> out = new LinkedHashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM " + Sql.q(t.schema(), "cards"))) {
            while (rs.next()) {
                out.add((UUID) rs.getObject(1));
            }
        }
        c.commit();
        return out;
    }

    static long count(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            long n = rs.getLong(1);
            c.commit();
            return n;
        }
    }
}

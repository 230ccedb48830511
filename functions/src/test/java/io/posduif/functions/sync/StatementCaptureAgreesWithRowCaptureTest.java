package io.posduif.functions.sync;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.schema.SyncMode;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The statement-level capture (one set-based statement per written statement) must leave the
 * same change log as the per-row {@code posduif_capture} of V30 did: same entries per row
 * (compaction), same data in wire form, same buckets, same removals, same origin, same scope rows,
 * and the same keys queued for the relay. Two tenants run the same random transactions of plain
 * SQL — multi-row inserts, updates that move rows between scopes, upserts, deletes, primary-key
 * changes, several writes of a row in one transaction — one with the generated triggers, one with
 * a per-row trigger calling {@code posduif_capture}; their logs are compared after every transaction.
 */
@MicronautTest
class StatementCaptureAgreesWithRowCaptureTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;

    static final UUID[] OWNERS = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};

    static List<TableDef> tables() {
        TableDef things = new TableDef("things", SyncMode.MOBILE_SYNCED, ConflictPolicy.LWW, new OwnerFilter("things", "owner"),
                List.of(new ColumnDef("id", ColumnType.INTEGER, false, null, true, false),
                        new ColumnDef("owner", ColumnType.UUID, true, null, false, false),
                        new ColumnDef("title", ColumnType.TEXT, true, null, false, false),
                        new ColumnDef("at", ColumnType.TIMESTAMP, true, null, false, false),
                        new ColumnDef("bits", ColumnType.BLOB, true, null, false, false)),
                List.of("id"), List.of(), true);
        TableDef pairs = new TableDef("pairs", SyncMode.MOBILE_SYNCED, ConflictPolicy.LWW, null,
                List.of(new ColumnDef("a", ColumnType.TEXT, false, null, true, false),
                        new ColumnDef("b", ColumnType.INTEGER, false, null, true, false),
                        new ColumnDef("v", ColumnType.JSON, true, null, false, false)),
                List.of("a", "b"), List.of(), true);
        return List.of(things, pairs);
    }

    @Test
    void randomPlainSqlTransactionsLeaveTheSameLog() throws Exception {
        long seed = Long.getLong("capture.seed", System.nanoTime());
        System.out.println("StatementCaptureAgreesWithRowCaptureTest seed=" + seed + " (rerun with -Dcapture.seed=" + seed + ")");
        Random rnd = new Random(seed);
        TenantId stmt = fixtures.newTenant("capst");
        TenantId row = fixtures.newTenant("caprow");
        schemas.apply(stmt, tables());
        schemas.apply(row, tables());
        try (Connection a = stack().connect(); Connection b = stack().connect()) {
            try (Statement s = b.createStatement()) {
                for (TableDef t : tables()) {
                    for (String sql : CaptureTriggers.dropSql(row, t.name(), true)) {
                        s.execute(sql);
                    }
                    for (String sql : LegacyRowCapture.installSql(row, t)) {
                        s.execute(sql);
                    }
                }
            }
            assertEquals(3 * 2, count(a, "SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n "
                    + "ON n.oid = c.relnamespace WHERE n.nspname = '" + stmt.schema() + "' AND g.tgname LIKE 'posduif_capture%' AND (g.tgtype & 1) = 0"),
                    "three statement-level triggers per table");
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            for (int tx = 0; tx < 150; tx++) {
                List<String> statements = new ArrayList<>();
                int roll = rnd.nextInt(4);
                if (roll == 0) {
                    statements.add("SELECT set_config('posduif.origin', 'dev" + rnd.nextInt(3) + "', true)");
                } else if (roll == 1) {
                    statements.add("SELECT set_config('posduif.realtime_origin', 'functions', true)");
                }
                int n = 1 + rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    statements.add(randomStatement(rnd));
                }
                run(a, stmt, statements);
                run(b, row, statements);
                assertEquals(log(b, row), log(a, stmt), "change log after transaction " + tx + " " + statements);
                assertEquals(scopes(b, row), scopes(a, stmt), "scope rows after transaction " + tx + " " + statements);
                assertEquals(pending(b, row), pending(a, stmt), "keys queued for the relay after transaction " + tx + " " + statements);
                assertEquals(0, count(a, "SELECT count(*) FROM " + Sql.q(stmt.schema(), "posduif_change_scope") + " s WHERE NOT EXISTS (SELECT 1 FROM "
                        + Sql.q(stmt.schema(), "posduif_changes") + " c WHERE c.txid = s.txid AND c.seq = s.seq)"), "no orphan scope rows");
                assertEquals(count(a, "SELECT count(*) FROM " + Sql.q(stmt.schema(), "things")) + count(a, "SELECT count(*) FROM " + Sql.q(stmt.schema(), "pairs")),
                        count(a, "SELECT count(*) FROM " + Sql.q(stmt.schema(), "posduif_changes") + " WHERE NOT deleted"),
                        "one live entry per live row");
            }
            assertTrue(log(a, stmt).size() > 20, "the workload left a meaningful log");
        }
    }

    /**
     * Primary keys shifted by one statement ({@code id = id + 1} over 2 and 1, in that physical
     * order): old and new rows pair by key, so key 2 is an update (it now holds row one), key 1 a
     * delete and key 3 an insert, each with the buckets it left.
     */
    @Test
    void aKeyShiftInOneStatementLeavesTheFinalStateInTheLog() throws Exception {
        TenantId t = fixtures.newTenant("capshift");
        schemas.apply(t, tables());
        String s = t.schema();
        try (Connection c = stack().connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + s + ".things (id, owner, title) VALUES (2, '" + OWNERS[1] + "', 'two')");
            st.execute("INSERT INTO " + s + ".things (id, owner, title) VALUES (1, '" + OWNERS[0] + "', 'one')");
            st.execute("UPDATE " + s + ".things SET id = id + 1");
            List<String> log = log(c, t);
            assertEquals(3, log.size(), log.toString());
            assertEquals("things {\"id\": 1} deleted=true data=null buckets=[] removed=[things|user_id=" + OWNERS[0] + "] origin=null", log.get(0));
            assertTrue(log.get(1).startsWith("things {\"id\": 2} deleted=false data={\"at\": null, \"id\": 2, \"bits\": null, \"owner\": \""
                    + OWNERS[0] + "\", \"title\": \"one\"} buckets=[things|user_id=" + OWNERS[0] + "] removed=[things|user_id=" + OWNERS[1] + "]"), log.get(1));
            assertTrue(log.get(2).startsWith("things {\"id\": 3} deleted=false data={\"at\": null, \"id\": 3, \"bits\": null, \"owner\": \""
                    + OWNERS[1] + "\", \"title\": \"two\"} buckets=[things|user_id=" + OWNERS[1] + "] removed=[]"), log.get(2));
        }
    }

    String randomStatement(Random rnd) {
        int id = 1 + rnd.nextInt(12);
        String owner = rnd.nextInt(6) == 0 ? "NULL::uuid" : "'" + OWNERS[rnd.nextInt(OWNERS.length)] + "'::uuid";
        String title = "'t" + rnd.nextInt(100) + (rnd.nextBoolean() ? "''q" : "") + "'";
        String at = rnd.nextBoolean() ? "NULL::timestamptz" : "timestamptz '2026-01-0" + (1 + rnd.nextInt(9)) + " 10:00:00.123456+02'";
        String bits = rnd.nextBoolean() ? "NULL::bytea" : "'\\x" + Integer.toHexString(0x1000 + rnd.nextInt(0xefff)) + "'::bytea";
        return switch (rnd.nextInt(10)) {
            case 0, 1 -> {
                List<String> vals = new ArrayList<>();
                for (int k = 0, m = 1 + rnd.nextInt(4); k < m; k++) {
                    vals.add("(" + (1 + rnd.nextInt(12)) + ", " + (rnd.nextInt(6) == 0 ? "NULL::uuid" : "'" + OWNERS[rnd.nextInt(OWNERS.length)] + "'::uuid")
                            + ", " + title + ", " + at + ", " + bits + ")");
                }
                // DISTINCT ON: one statement may not write a row twice
                yield "INSERT INTO $s.things (id, owner, title, at, bits) SELECT DISTINCT ON (column1) * FROM (VALUES " + String.join(", ", vals)
                        + ") v ON CONFLICT (id) DO " + (rnd.nextBoolean() ? "NOTHING" : "UPDATE SET owner = EXCLUDED.owner, title = EXCLUDED.title, at = EXCLUDED.at");
            }
            case 2, 3 -> "UPDATE $s.things SET owner = " + owner + ", title = " + title + " WHERE id % " + (2 + rnd.nextInt(4)) + " = " + rnd.nextInt(2);
            case 4 -> "UPDATE $s.things SET bits = " + bits + ", at = " + at + " WHERE id = " + id;
            case 5 -> "DELETE FROM $s.things WHERE id IN (" + id + ", " + (1 + rnd.nextInt(12)) + ")";
            case 6 -> "UPDATE $s.things SET id = id + 1 WHERE id = " + id + " AND NOT EXISTS (SELECT 1 FROM $s.things x WHERE x.id = " + (id + 1) + ")";
            case 7 -> "INSERT INTO $s.pairs (a, b, v) SELECT 'k' || g, " + rnd.nextInt(3) + ", jsonb_build_object('n', g, 's', 'x\"y') FROM generate_series(1, "
                    + (1 + rnd.nextInt(4)) + ") g ON CONFLICT (a, b) DO UPDATE SET v = EXCLUDED.v || '{\"u\": true}'";
            case 8 -> "UPDATE $s.pairs SET b = b + 3 WHERE a = 'k" + (id % 4 + 1) + "' AND b < 3 AND NOT EXISTS (SELECT 1 FROM $s.pairs x WHERE x.a = 'k"
                    + (id % 4 + 1) + "' AND x.b >= 3)";
            default -> "DELETE FROM $s.pairs WHERE b = " + rnd.nextInt(6);
        };
    }

    static void run(Connection c, TenantId t, List<String> statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql.replace("$s", t.schema()));
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    static List<String> log(Connection c, TenantId t) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT tbl, pk::text, deleted, data::jsonb::text, "
                + "ARRAY(SELECT x FROM unnest(buckets) x ORDER BY x)::text, ARRAY(SELECT x FROM unnest(removed) x ORDER BY x)::text, origin FROM "
                + Sql.q(t.schema(), "posduif_changes") + " ORDER BY tbl, pk")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " deleted=" + rs.getBoolean(3) + " data=" + rs.getString(4)
                        + " buckets=" + rs.getString(5).replace("{", "[").replace("}", "]") + " removed=" + rs.getString(6).replace("{", "[").replace("}", "]")
                        + " origin=" + rs.getString(7));
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
        return out;
    }

    static List<String> scopes(Connection c, TenantId t) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT c.tbl, c.pk::text, s.bucket FROM "
                + Sql.q(t.schema(), "posduif_change_scope") + " s JOIN " + Sql.q(t.schema(), "posduif_changes")
                + " c ON c.txid = s.txid AND c.seq = s.seq ORDER BY 1, 2, 3")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
        }
        c.commit();
        return out;
    }

    /** Keys queued since the last call (then cleared, as the relay's publisher would). */
    static List<String> pending(Connection c, TenantId t) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT bucket FROM " + Sql.q(t.schema(), "posduif_realtime_pending") + " ORDER BY 1")) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            s.execute("DELETE FROM " + Sql.q(t.schema(), "posduif_realtime_pending"));
        }
        c.commit();
        return out;
    }

    static int count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            int n = rs.getInt(1);
            if (!c.getAutoCommit()) {
                c.commit();
            }
            return n;
        }
    }
}

package io.posduif.functions.sync;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The capture trigger's statements are planned once per connection, when the first write of a
 * session fires them, and that plan is kept. Planned while the log was small, the scope-row delete
 * became a sequential scan of the whole scope table, on every later write of that connection,
 * even one with nothing to delete: pushes got slower with every row ever synced (a benchmark's
 * PostgreSQL CPU per row tripled within a minute). However small the log was at planning time,
 * no capture statement may read the change log or the scope table sequentially.
 */
@MicronautTest
class CaptureNeverScansTheLogTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    CaptureUpgrade upgrade;

    @Test
    void writesAfterTheLogGrewReadItByIndexOnly() throws Exception {
        TenantId t = fixtures.newTenant("noscan");
        schemas.apply(t, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        String notes = t.schema() + ".notes";
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            // first write of the session, on an empty log: this is when the trigger's plans are made
            s.execute("INSERT INTO " + notes + " (id, owner, body) VALUES (gen_random_uuid(), gen_random_uuid(), 'first')");
            s.execute("INSERT INTO " + notes + " (id, owner, body) SELECT gen_random_uuid(), gen_random_uuid(), 'bulk ' || g "
                    + "FROM generate_series(1, 3000) g");
            c.commit();
            long[] before = seqReads(s, t);
            s.execute("INSERT INTO " + notes + " (id, owner, body) VALUES (gen_random_uuid(), gen_random_uuid(), 'later')");
            s.execute("UPDATE " + notes + " SET body = 'edited' WHERE body = 'bulk 7'");
            s.execute("DELETE FROM " + notes + " WHERE body = 'bulk 8'");
            long[] after = seqReads(s, t);
            c.commit();
            assertEquals(0, after[0] - before[0], "rows of posduif_change_scope read sequentially by capture");
            assertEquals(0, after[1] - before[1], "rows of posduif_changes read sequentially by capture");
        }
    }

    @Test
    void captureInstalledWithoutTheGuardIsReinstalledAtStartUp() throws Exception {
        TenantId t = fixtures.newTenant("noscanup");
        schemas.apply(t, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        String fn = t.schema() + "." + CaptureTriggers.functionName("notes") + "()";
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            // what an earlier version installed: same triggers, function without the planner guard
            s.execute("ALTER FUNCTION " + fn + " RESET ALL");
            s.execute("COMMENT ON FUNCTION " + fn + " IS NULL");
        }
        assertEquals(1, upgrade.upgrade(t));
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT array_to_string(proconfig, ',') FROM pg_proc WHERE oid = '" + fn + "'::regprocedure")) {
            rs.next();
            assertEquals("enable_seqscan=off", rs.getString(1));
        }
        assertEquals(0, upgrade.upgrade(t), "nothing left to upgrade");
    }

    /** Rows read by sequential scans of {scope, log} in this transaction so far. */
    private static long[] seqReads(Statement s, TenantId t) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(seq_tup_read) FILTER (WHERE relname = 'posduif_change_scope'), 0), "
                + "coalesce(sum(seq_tup_read) FILTER (WHERE relname = 'posduif_changes'), 0) FROM pg_stat_xact_user_tables "
                + "WHERE schemaname = '" + t.schema() + "'")) {
            rs.next();
            return new long[]{rs.getLong(1), rs.getLong(2)};
        }
    }
}

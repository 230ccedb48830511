package io.posduif.functions.sync;

import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A push's upserts write their change-log entries themselves, replacing the entries they read
 * under the push's row locks. Writers that take no push lock (plain SQL, the web API) can still
 * get in between; and a table whose capture trigger predates that arrangement would capture the
 * push's rows a second time. Neither may leave a wrong or missing entry.
 */
@MicronautTest
class PushRacingWritersWithoutPushLocksTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    @Client("/")
    HttpClient http;
    @Inject
    JsonMapper json;

    /**
     * A SQL transaction inserts the row the push is about to insert and commits while the push
     * waits on it: the push saw neither the row nor an entry, so its entry collides with the
     * one the SQL write recorded. The push is redone, decides against the committed row (its
     * clock is newer, so it applies) and leaves one entry, its own, with its clock.
     */
    @Test
    void aPlainSqlInsertCommittedWhileThePushWaitsMakesThePushRedoAgainstIt() throws Exception {
        Lww w = lww("race");
        TenantId tenant = w.tenant();
        Fixtures.User user = w.user();
        Fixtures.Device device = w.device();
        SyncHttp sync = w.sync();
        UUID id = UUID.randomUUID();
        String s = tenant.schema();
        try (Connection sql = stack().connect(); Connection watch = stack().connect()) {
            sql.setAutoCommit(false);
            try (Statement st = sql.createStatement()) {
                st.execute("INSERT INTO " + Sql.q(s, "notes") + " (id, owner, body) VALUES ('" + id + "', '" + user.id() + "', 'from sql')");
            }
            String ts = Instant.now().plusMillis(500).toString();
            CompletableFuture<List<Map<String, Object>>> push = CompletableFuture.supplyAsync(
                    () -> sync.push(device, SyncHttp.upsert("notes", id, Map.of("owner", user.id().toString(), "body", "from push"), ts)));
            // the push's upsert waits for the SQL transaction's row
            awaitWaiting(watch, s, push);
            sql.commit();
            List<Map<String, Object>> results = push.get(30, TimeUnit.SECONDS);
            assertEquals("applied", results.get(0).get("status"), results.toString());
            try (Statement st = watch.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*), min(data), min(clock), min(origin) FROM "
                    + Sql.q(s, "posduif_changes") + " WHERE tbl = 'notes' AND pk = jsonb_build_object('id', '" + id + "'::text)")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "one entry for the row");
                assertTrue(rs.getString(2).contains("\"from push\""), rs.getString(2));
                assertNotNull(rs.getString(3), "the entry carries the push's clock");
                assertEquals(device.deviceId(), rs.getString(4));
            }
            assertEquals(1, count(watch, "SELECT count(*) FROM " + Sql.q(s, "notes") + " WHERE id = '" + id + "' AND body = 'from push'"));
        }
    }

    /**
     * A SQL transaction updates a row the push is about to write and commits while the push waits
     * for the row's lock. The SQL write is as new as its commit, newer than the push's op: the push
     * must decide against the entry that write recorded, not the one the row had when the push
     * started to read (last-write-wins: a conflict, the SQL write stays).
     */
    @Test
    void aPlainSqlUpdateCommittedWhileThePushWaitsIsWhatThePushDecidesAgainst() throws Exception {
        sqlUpdateCommittedWhileThePushWaits(false);
    }

    /**
     * The same with the push deleting the row. Deletes are captured by the trigger, which does not
     * check the entry it replaces; the push reads a deleted key's entry again in a statement of
     * its own, after the row lock is held (see PushService.Batch#read).
     */
    @Test
    void aPlainSqlUpdateCommittedWhileAPushDeletingTheRowWaitsIsWhatThePushDecidesAgainst() throws Exception {
        sqlUpdateCommittedWhileThePushWaits(true);
    }

    private void sqlUpdateCommittedWhileThePushWaits(boolean withDelete) throws Exception {
        Lww w = lww("raceup");
        TenantId tenant = w.tenant();
        Fixtures.User user = w.user();
        Fixtures.Device device = w.device();
        SyncHttp sync = w.sync();
        UUID id = UUID.randomUUID();
        String s = tenant.schema();
        Instant now = Instant.now();
        assertEquals("applied", sync.push(device, SyncHttp.upsert("notes", id, Map.of("owner", user.id().toString(), "body", "first"),
                now.minusSeconds(60).toString())).get(0).get("status"));
        try (Connection sql = stack().connect(); Connection watch = stack().connect()) {
            sql.setAutoCommit(false);
            try (Statement st = sql.createStatement()) {
                st.execute("UPDATE " + Sql.q(s, "notes") + " SET body = 'from sql' WHERE id = '" + id + "'");
            }
            // newer than the first write, older than the SQL write
            String ts = now.minusSeconds(30).toString();
            Map<String, Object> upsert = SyncHttp.upsert("notes", id, Map.of("owner", user.id().toString(), "body", "from push"), ts);
            CompletableFuture<List<Map<String, Object>>> push = CompletableFuture.supplyAsync(() -> withDelete
                    ? sync.push(device, SyncHttp.delete("notes", id, ts))
                    : sync.push(device, upsert));
            awaitWaiting(watch, s, push);
            sql.commit();
            List<Map<String, Object>> results = push.get(30, TimeUnit.SECONDS);
            assertEquals("conflict", results.get(0).get("status"), "the SQL write committed after the push's op was made: " + results);

            assertEquals(1, count(watch, "SELECT count(*) FROM " + Sql.q(s, "notes") + " WHERE id = '" + id + "' AND body = 'from sql'"),
                    "the SQL write stays");
            assertEquals(1, count(watch, "SELECT count(*) FROM " + Sql.q(s, "posduif_changes") + " WHERE tbl = 'notes' AND pk = "
                    + "jsonb_build_object('id', '" + id + "'::text) AND origin IS NULL AND data LIKE '%from sql%'"), "its entry too");
        }
    }

    /**
     * A table still captured by a trigger of an earlier revision (here the per-row one of V30,
     * which knows nothing of pushes capturing themselves) would record the push's rows again,
     * without their clocks. The push upgrades the tenant's capture before it writes.
     */
    @Test
    void aTableWithAnOlderCaptureTriggerIsUpgradedBeforeThePushWrites() throws Exception {
        TenantId tenant = fixtures.newTenant("stale");
        TableDef notes = SyncTables.notes(ConflictPolicy.LWW);
        schemas.apply(tenant, List.of(notes));
        try (Connection c = stack().connect(); Statement st = c.createStatement()) {
            for (String sql : CaptureTriggers.dropSql(tenant, notes.name(), true)) {
                st.execute(sql);
            }
            for (String sql : LegacyRowCapture.installSql(tenant, notes)) {
                st.execute(sql);
            }
        }
        Fixtures.User user = fixtures.mobileUser(tenant);
        Fixtures.Device device = fixtures.device(tenant, user.id());
        UUID id = UUID.randomUUID();
        List<Map<String, Object>> results = new SyncHttp(http, json).push(device,
                SyncHttp.upsert("notes", id, Map.of("owner", user.id().toString(), "body", "hello"), Instant.now().toString()));
        assertEquals("applied", results.get(0).get("status"), results.toString());
        try (Connection c = stack().connect()) {
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(tenant.schema(), "posduif_changes")
                    + " WHERE tbl = 'notes' AND clock IS NOT NULL AND data LIKE '%hello%'"), "one entry, with the push's clock");
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(tenant.schema(), "posduif_changes")), "and no other");
            assertEquals(0, count(c, "SELECT count(*) FROM pg_trigger g JOIN pg_class r ON r.oid = g.tgrelid JOIN pg_namespace n "
                    + "ON n.oid = r.relnamespace WHERE n.nspname = '" + tenant.schema() + "' AND g.tgname = '" + CaptureTriggers.LEGACY_TRIGGER_NAME + "'"),
                    "the per-row trigger is gone");
        }
    }

    /** Until the push waits on a lock of the tenant's notes (held by the SQL transaction), which it must not get past. */
    /**
     * A writer that moves the device's op mark without the device's lock (an instance from before
     * op marks, recording ops a row per op: the ledger's trigger moves the mark for it) commits
     * while the push waits for a row lock, after the push read the mark. The push took its op ids
     * for new against the old mark; its finish finds the mark moved, the push is redone, looks its
     * op ids up (below the new mark) and records them a row per op, not as a batch row.
     */
    @Test
    void anOpMarkMovedWhileThePushWaitsIsCheckedBeforeThePushRecordsItsOps() throws Exception {
        Lww w = lww("racemark");
        TenantId tenant = w.tenant();
        Fixtures.User user = w.user();
        Fixtures.Device device = w.device();
        SyncHttp sync = w.sync();
        String s = tenant.schema();
        UUID held = UUID.randomUUID();
        Instant now = Instant.now();
        Map<String, Object> first = SyncHttp.upsert("notes", held, Map.of("owner", user.id().toString(), "body", "first"), now.minusSeconds(60).toString());
        first.put("op_id", "00000001-0000-7000-8000-000000000000");
        assertEquals("applied", sync.push(device, first).get(0).get("status"));
        try (Connection sql = stack().connect(); Connection watch = stack().connect()) {
            sql.setAutoCommit(false);
            try (Statement st = sql.createStatement()) {
                st.execute("SELECT 1 FROM " + Sql.q(s, "notes") + " WHERE id = '" + held + "' FOR UPDATE");
            }
            Map<String, Object> b = SyncHttp.upsert("notes", held, Map.of("owner", user.id().toString(), "body", "second"), now.minusSeconds(30).toString());
            b.put("op_id", "00000002-0000-7000-8000-000000000000");
            Map<String, Object> c = SyncHttp.upsert("notes", UUID.randomUUID(), Map.of("owner", user.id().toString(), "body", "new"), now.minusSeconds(30).toString());
            c.put("op_id", "00000003-0000-7000-8000-000000000000");
            CompletableFuture<List<Map<String, Object>>> push = CompletableFuture.supplyAsync(() -> sync.push(device, b, c));
            awaitWaiting(watch, s, push);
            String moved = "ffffffff-0000-7000-8000-000000000000";
            try (Statement st = watch.createStatement()) {
                st.execute("UPDATE " + Sql.q(s, "posduif_sync_devices") + " SET op_mark = '" + moved + "' WHERE device_id = '" + device.deviceId() + "'");
            }
            sql.commit();
            List<Map<String, Object>> results = push.get(30, TimeUnit.SECONDS);
            assertEquals(List.of("applied", "applied"), results.stream().map(r -> r.get("status")).toList(), results.toString());
            assertEquals(1, count(watch, "SELECT count(*) FROM " + Sql.q(s, "posduif_op_batches") + " WHERE device_id = '" + device.deviceId() + "'"),
                    "only the first push is a batch row: the second read a mark that had moved by its finish");
            assertEquals(2, count(watch, "SELECT count(*) FROM " + Sql.q(s, "posduif_op_ledger") + " WHERE device_id = '" + device.deviceId() + "'"));
            assertEquals(1, count(watch, "SELECT count(*) FROM " + Sql.q(s, "posduif_sync_devices") + " WHERE device_id = '" + device.deviceId()
                    + "' AND op_mark = '" + moved + "'"), "the mark stays where the other writer moved it");
        }
    }

    /** A tenant with an lww notes table, one user, its device, and a client. */
    private record Lww(TenantId tenant, Fixtures.User user, Fixtures.Device device, SyncHttp sync) {
    }

    private Lww lww(String tenantName) {
        TenantId tenant = fixtures.newTenant(tenantName);
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        Fixtures.User user = fixtures.mobileUser(tenant);
        return new Lww(tenant, user, fixtures.device(tenant, user.id()), new SyncHttp(http, json));
    }

    static void awaitWaiting(Connection watch, String schema, CompletableFuture<?> push) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (count(watch, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%" + schema + "%notes%'") == 0) {
            assertTrue(System.nanoTime() < deadline, "the push never waited for the SQL transaction");
            assertFalse(push.isDone(), "the push finished before the SQL transaction committed: " + (push.isDone() ? push.join() : ""));
            Thread.sleep(20);
        }
    }

    static long count(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}

package io.posduif.functions.sync;

import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.JsonMapper;
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
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.posduif.functions.sync.PushRacingWritersWithoutPushLocksTest.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@code insert} op is an upsert of a row the device made. The push writes such a row without
 * reading it first; when the row turns out to be there after all (another device made the same
 * key, a tombstone, a row another user owns, a row written by SQL, with or without a change-log
 * entry), the answer must be the one an {@code upsert} gets: decided against the row that is there.
 */
@MicronautTest
class InsertOpsOfRowsAlreadyThereAreDecidedAsUpsertsTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    @Client("/")
    HttpClient http;
    @Inject
    JsonMapper json;

    @Test
    void anInsertOfARowTheServerHoldsWinsOnlyWhenNewer() throws Exception {
        World w = world("insnewer");
        UUID id = UUID.randomUUID();
        Instant now = Instant.now();
        assertEquals("applied", status(w.sync.push(w.device, upsert(id, w.user, "first", now.minusSeconds(60)))));

        List<Map<String, Object>> older = w.sync.push(w.device, insert(id, w.user, "older", now.minusSeconds(90)));
        assertEquals("conflict", status(older), older.toString());
        assertEquals("first", ((Map<?, ?>) older.get(0).get("server_row")).get("body"));

        assertEquals("applied", status(w.sync.push(w.device, insert(id, w.user, "newer", now.minusSeconds(30)))));
        try (Connection c = stack().connect()) {
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "things") + " WHERE id = '" + id + "' AND body = 'newer'"));
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "posduif_changes") + " WHERE tbl = 'things' AND pk = "
                    + "jsonb_build_object('id', '" + id + "'::text) AND data::jsonb ->> 'body' = 'newer'"), "one entry, the insert's");
        }
    }

    @Test
    void anInsertOfAnotherUsersRowIsOutOfScopeAndChangesNothing() throws Exception {
        World w = world("insscope");
        Fixtures.User other = fixtures.mobileUser(w.tenant);
        Fixtures.Device theirs = fixtures.device(w.tenant, other.id());
        UUID id = UUID.randomUUID();
        assertEquals("applied", status(w.sync.push(theirs, upsert(id, other, "theirs", Instant.now().minusSeconds(60)))));

        List<Map<String, Object>> results = w.sync.push(w.device, insert(id, w.user, "mine", Instant.now()));
        assertEquals("rejected", status(results), results.toString());
        assertEquals("OUT_OF_SCOPE", results.get(0).get("code"));
        try (Connection c = stack().connect()) {
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "things") + " WHERE id = '" + id + "' AND owner = '" + other.id()
                    + "' AND body = 'theirs'"), "the other user's row stays as it was");
        }
    }

    /**
     * The row is there but has no change-log entry (written while capture was off, as rows a
     * table held before it was synced): nothing in the log collides with the insert, only the
     * insert itself can find the row.
     */
    @Test
    void anInsertOfARowWithoutAnEntryIsFoundByTheInsertItself() throws Exception {
        World w = world("insnoentry");
        Fixtures.User other = fixtures.mobileUser(w.tenant);
        UUID id = UUID.randomUUID();
        try (Connection c = stack().connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO " + Sql.q(w.schema(), "things") + " (id, owner, body, n) VALUES ('" + id + "', '" + other.id() + "', 'unlogged', 1)");
            st.execute("DELETE FROM " + Sql.q(w.schema(), "posduif_changes") + " WHERE tbl = 'things'");
            c.commit();
        }
        List<Map<String, Object>> results = w.sync.push(w.device, insert(id, w.user, "mine", Instant.now()));
        assertEquals("rejected", status(results), results.toString());
        assertEquals("OUT_OF_SCOPE", results.get(0).get("code"));
        try (Connection c = stack().connect()) {
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "things") + " WHERE id = '" + id + "' AND body = 'unlogged'"));
            assertEquals(0, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "posduif_changes") + " WHERE tbl = 'things'"), "nothing recorded");
        }

        // the device's own row without an entry: the insert applies over it, with an entry of its own
        UUID mine = UUID.randomUUID();
        try (Connection c = stack().connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO " + Sql.q(w.schema(), "things") + " (id, owner, body, n) VALUES ('" + mine + "', '" + w.user.id() + "', 'unlogged', 1)");
            st.execute("DELETE FROM " + Sql.q(w.schema(), "posduif_changes") + " WHERE tbl = 'things'");
            c.commit();
        }
        assertEquals("applied", status(w.sync.push(w.device, insert(mine, w.user, "mine", Instant.now()))));
        try (Connection c = stack().connect()) {
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "things") + " WHERE id = '" + mine + "' AND body = 'mine'"));
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "posduif_changes") + " WHERE tbl = 'things' AND pk = "
                    + "jsonb_build_object('id', '" + mine + "'::text)"));
        }
    }

    @Test
    void anInsertOlderThanTheRowsTombstoneIsAConflictAndANewerOneApplies() throws Exception {
        World w = world("instomb");
        UUID id = UUID.randomUUID();
        Instant now = Instant.now();
        assertEquals("applied", status(w.sync.push(w.device, upsert(id, w.user, "first", now.minusSeconds(60)))));
        assertEquals("applied", status(w.sync.push(w.device, SyncHttp.delete("things", id, now.minusSeconds(30).toString()))));

        List<Map<String, Object>> older = w.sync.push(w.device, insert(id, w.user, "older", now.minusSeconds(45)));
        assertEquals("conflict", status(older), older.toString());
        assertEquals(null, older.get(0).get("server_row"));
        try (Connection c = stack().connect()) {
            assertEquals(0, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "things") + " WHERE id = '" + id + "'"));
        }
        assertEquals("applied", status(w.sync.push(w.device, insert(id, w.user, "again", now))));
        try (Connection c = stack().connect()) {
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "things") + " WHERE id = '" + id + "' AND body = 'again'"));
        }
    }

    /** Not every column given: the insert is read first, as an upsert, and leaves the others as they are. */
    @Test
    void anInsertThatGivesSomeColumnsKeepsTheOthers() throws Exception {
        World w = world("inspart");
        UUID id = UUID.randomUUID();
        Instant now = Instant.now();
        assertEquals("applied", status(w.sync.push(w.device, upsert(id, w.user, "first", now.minusSeconds(60)))));
        Map<String, Object> partial = insert(id, w.user, "second", now);
        ((Map<?, ?>) partial.get("data")).remove("n");
        assertEquals("applied", status(w.sync.push(w.device, partial)));
        try (Connection c = stack().connect()) {
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "things") + " WHERE id = '" + id + "' AND body = 'second' AND n = 7"));
        }
    }

    /** A batch mixing inserts of new rows and of one that is there: every op answered as if read first. */
    @Test
    void aBatchOfInsertsWithOneRowAlreadyThereAppliesTheRestAndDecidesThatOne() throws Exception {
        World w = world("insbatch");
        UUID there = UUID.randomUUID();
        Instant now = Instant.now();
        assertEquals("applied", status(w.sync.push(w.device, upsert(there, w.user, "there", now))));
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        List<Map<String, Object>> results = w.sync.push(w.device, insert(a, w.user, "a", now),
                insert(there, w.user, "stale", now.minusSeconds(60)), insert(b, w.user, "b", now));
        assertEquals(List.of("applied", "conflict", "applied"), results.stream().map(r -> r.get("status")).toList(), results.toString());
        try (Connection c = stack().connect()) {
            assertEquals(3, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "things")));
            assertEquals(3, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "posduif_changes") + " WHERE tbl = 'things'"));
            assertEquals(1, count(c, "SELECT count(*) FROM " + Sql.q(w.schema(), "things") + " WHERE id = '" + there + "' AND body = 'there'"));
        }
    }

    /**
     * A SQL transaction inserts the row while the push's insert waits on it, then commits: the
     * insert finds the row in place and leaves it; the push is redone and decides against it (the
     * SQL write is as new as its commit, newer than the op).
     */
    @Test
    void aPlainSqlInsertCommittedWhileTheInsertWaitsIsWhatThePushDecidesAgainst() throws Exception {
        World w = world("insrace");
        UUID id = UUID.randomUUID();
        String ts = Instant.now().minusSeconds(30).toString();
        try (Connection sql = stack().connect(); Connection watch = stack().connect()) {
            sql.setAutoCommit(false);
            try (Statement st = sql.createStatement()) {
                st.execute("INSERT INTO " + Sql.q(w.schema(), "things") + " (id, owner, body, n) VALUES ('" + id + "', '" + w.user.id() + "', 'from sql', 1)");
            }
            CompletableFuture<List<Map<String, Object>>> push = CompletableFuture.supplyAsync(
                    () -> w.sync.push(w.device, insert(id, w.user, "from push", Instant.parse(ts))));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (count(watch, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%" + w.schema() + "%things%'") == 0) {
                assertTrue(System.nanoTime() < deadline, "the push never waited for the SQL transaction");
                assertFalse(push.isDone(), "the push finished before the SQL transaction committed: " + (push.isDone() ? push.join() : ""));
                Thread.sleep(20);
            }
            sql.commit();
            List<Map<String, Object>> results = push.get(30, TimeUnit.SECONDS);
            assertEquals("conflict", status(results), results.toString());
            assertEquals(1, count(watch, "SELECT count(*) FROM " + Sql.q(w.schema(), "things") + " WHERE id = '" + id + "' AND body = 'from sql'"));
            try (Statement st = watch.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*), min(origin) FROM "
                    + Sql.q(w.schema(), "posduif_changes") + " WHERE tbl = 'things' AND pk = jsonb_build_object('id', '" + id + "'::text)")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "one entry, the SQL write's");
                assertEquals(null, rs.getString(2), "recorded by the trigger, not by the push");
            }
        }
    }

    // ---- fixtures ----

    private record World(TenantId tenant, Fixtures.User user, Fixtures.Device device, SyncHttp sync) {
        String schema() {
            return tenant.schema();
        }
    }

    /** A tenant with {@code things(id uuid pk, owner uuid, body text, n integer)}, lww, visible to its owner: no server-owned column. */
    private World world(String name) {
        TenantId tenant = fixtures.newTenant(name);
        schemas.apply(tenant, List.of(new TableDef("things", SyncMode.MOBILE_SYNCED, ConflictPolicy.LWW, new OwnerFilter("things", "owner"),
                List.of(new ColumnDef("id", ColumnType.UUID, false, null, true, false),
                        new ColumnDef("owner", ColumnType.UUID, true, null, false, false),
                        new ColumnDef("body", ColumnType.TEXT, true, null, false, false),
                        new ColumnDef("n", ColumnType.INTEGER, true, null, false, false)),
                List.of("id"), List.of(), true)));
        Fixtures.User user = fixtures.mobileUser(tenant);
        return new World(tenant, user, fixtures.device(tenant, user.id()), new SyncHttp(http, json));
    }

    /** Every column given, as the SDK sends a row it made. */
    private static Map<String, Object> insert(UUID id, Fixtures.User owner, String body, Instant ts) {
        Map<String, Object> op = upsert(id, owner, body, ts);
        op.put("op", "insert");
        return op;
    }

    private static Map<String, Object> upsert(UUID id, Fixtures.User owner, String body, Instant ts) {
        Map<String, Object> data = new HashMap<>();
        data.put("owner", owner.id().toString());
        data.put("body", body);
        data.put("n", 7);
        Map<String, Object> op = new LinkedHashMap<>(SyncHttp.upsert("things", id, data, ts.toString()));
        op.put("data", new HashMap<>((Map<?, ?>) op.get("data")));
        return op;
    }

    private static String status(List<Map<String, Object>> results) {
        return (String) results.get(0).get("status");
    }
}

package io.posduif.functions.sync;

import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Property: whatever order transactions commit in, a device that pulls while they run ends with
 * exactly PostgreSQL's state of its scope, never receives one entry twice, never receives an
 * older version of a row after a newer one, and receives every insert-once row exactly once.
 *
 * <p>Writers deliberately take a transaction id early (first write), hold the transaction open
 * for a random time and commit, so commit order differs from txid order; pullers pull with
 * random page sizes meanwhile. Each writer transaction is one randomized interleaving. The seed
 * is printed and reproduces the schedule of operations (thread timing aside):
 * {@code -Dposduif.property.seed=…}.
 *
 * <p>The test is only worth its time if a wrong cursor rule fails it, so it was run against three
 * deliberate mutations of {@link PullService}: serving entries at or above the snapshot's xmin
 * (caught 8 of 8 runs, as versions served twice), that plus a cursor advanced to the last
 * served entry (6 of 6, as skipped rows), and xmax instead of xmin as the bound (2 of 2); the
 * unmutated service passed every run. What makes it sensitive: a quarter of the transactions
 * are stragglers holding their early txid for 20–80 ms while later ones commit, and every
 * version {@code (id, n)} is checked for double delivery, not only insert-once rows.
 */
@MicronautTest
class ConcurrentCommitsAreNeitherSkippedNorServedTwiceTest extends StackTest {

    static final int TRANSACTIONS = Integer.getInteger("posduif.property.transactions", 1200);
    static final int WRITERS = 6;
    static final int OWNERS = 3;

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    PullService pull;
    @Inject
    Db db;
    @Inject
    JsonMapper json;

    @Test
    void pullersMatchPostgresWhateverTheCommitOrder() throws Exception {
        long seed = Long.getLong("posduif.property.seed", new Random().nextLong());
        System.out.println("ConcurrentCommits seed=" + seed + " (rerun with -Dposduif.property.seed=" + seed + ")");
        try {
            run(seed);
        } catch (AssertionError | Exception e) {
            throw new AssertionError("property failed with seed=" + seed + ": " + e.getMessage(), e);
        }
    }

    private void run(long seed) throws Exception {
        TenantId tenant = fixtures.newTenant("prop");
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        List<Fixtures.User> owners = new ArrayList<>();
        List<Caller> devices = new ArrayList<>();
        for (int i = 0; i < OWNERS; i++) {
            Fixtures.User u = fixtures.mobileUser(tenant);
            owners.add(u);
            Fixtures.Device d = fixtures.device(tenant, u.id());
            devices.add(new Caller(tenant, Caller.Kind.DEVICE, u.id(), d.deviceId(), Set.of("device")));
        }
        String table = Sql.q(tenant.schema(), "notes");
        // rows that are updated (versions via n) and may move between owners / be deleted
        List<UUID> hot = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            hot.add(UUID.randomUUID());
        }
        Random master = new Random(seed);
        AtomicInteger remaining = new AtomicInteger(TRANSACTIONS);
        AtomicBoolean writersDone = new AtomicBoolean(false);
        Set<UUID> insertOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<UUID> onceIds = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + OWNERS);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            Random r = new Random(master.nextLong());
            writers.add(pool.submit(() -> {
                while (remaining.getAndDecrement() > 0) {
                  for (int attempt = 0; ; attempt++) {
                   try {
                    db.inTransaction(c -> {
                        try (Statement s = c.createStatement()) {
                            int ops = 1 + r.nextInt(3);
                            // some transactions are stragglers: they hold their early txid while
                            // dozens of later ones commit, the window a wrong cursor rule falls into
                            int firstHold = r.nextInt(100) < 25 ? 20 + r.nextInt(60) : r.nextInt(6);
                            for (int k = 0; k < ops; k++) {
                                UUID owner = owners.get(r.nextInt(OWNERS)).id();
                                int kind = r.nextInt(10);
                                if (kind < 4) {
                                    UUID id = UUID.randomUUID();
                                    insertOnce.add(id);
                                    onceIds.add(id);
                                    s.execute("INSERT INTO " + table + " (id, owner, body, n) VALUES ('" + id + "', '" + owner + "', 'once', 0)");
                                } else if (kind < 9) {
                                    UUID id = hot.get(r.nextInt(hot.size()));
                                    s.execute("INSERT INTO " + table + " (id, owner, body, n) VALUES ('" + id + "', '" + owner
                                            + "', 'hot', 0) ON CONFLICT (id) DO UPDATE SET n = notes.n + 1, owner = EXCLUDED.owner");
                                } else if (!onceIds.isEmpty()) {
                                    // deletes hit insert-once rows, so hot rows' versions only ever grow
                                    s.execute("DELETE FROM " + table + " WHERE id = '" + onceIds.get(r.nextInt(onceIds.size())) + "'");
                                }
                                // hold the transaction (it has its txid now) so later ones commit first
                                sleep(k == 0 ? firstHold : r.nextInt(3));
                            }
                        }
                        return null;
                    });
                    break;
                   } catch (Db.DatabaseException e) {
                    // random multi-row writes deadlock now and then, as in any application: retry
                    if (!"40P01".equals(e.sqlException().getSQLState()) || attempt > 20) {
                        throw e;
                    }
                   }
                  }
                }
                return null;
            }));
        }
        List<Future<Replica>> pullers = new ArrayList<>();
        for (Caller d : devices) {
            Random r = new Random(master.nextLong());
            pullers.add(pool.submit(() -> {
                Replica rep = new Replica();
                while (!writersDone.get()) {
                    rep.pullAll(d, 1 + r.nextInt(r.nextBoolean() ? 4 : 40));
                    sleep(r.nextInt(3));
                }
                rep.pullAll(d, 500);
                return rep;
            }));
        }
        for (Future<?> f : writers) {
            f.get(5, TimeUnit.MINUTES);
        }
        writersDone.set(true);
        List<Replica> replicas = new ArrayList<>();
        for (Future<Replica> f : pullers) {
            replicas.add(f.get(5, TimeUnit.MINUTES));
        }
        pool.shutdown();

        // oracle: PostgreSQL's own state of each owner's scope
        for (int i = 0; i < OWNERS; i++) {
            Map<String, String> expected = new HashMap<>();
            UUID owner = owners.get(i).id();
            db.withConnection(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT id::text, n FROM " + table + " WHERE owner = ?")) {
                    ps.setObject(1, owner);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            expected.put(rs.getString(1), Long.toString(rs.getLong(2)));
                        }
                    }
                }
                return null;
            });
            Replica rep = replicas.get(i);
            assertTrue(rep.errors.isEmpty(), () -> "device " + owner + ": " + rep.errors.peek());
            if (!expected.equals(rep.rows)) {
                List<String> diff = new ArrayList<>();
                expected.forEach((id, n) -> {
                    if (!n.equals(rep.rows.get(id))) {
                        diff.add(id + ": PostgreSQL n=" + n + ", device " + (rep.rows.containsKey(id) ? "n=" + rep.rows.get(id) : "missing (skipped)"));
                    }
                });
                rep.rows.keySet().stream().filter(id -> !expected.containsKey(id))
                        .forEach(id -> diff.add(id + ": not in PostgreSQL's scope, device still has n=" + rep.rows.get(id)));
                fail("device of owner " + owner + " diverged from PostgreSQL in " + diff.size() + " rows: " + diff);
            }
            for (UUID id : insertOnce) {
                int seen = rep.insertOnceSeen.getOrDefault(id.toString(), 0);
                if (expected.containsKey(id.toString())) {
                    assertEquals(1, seen, "insert-once row " + id + " served " + seen + " times");
                }
            }
        }
    }

    /** A device's local copy, checking invariants as pages arrive. */
    final class Replica {
        final Map<String, String> rows = new HashMap<>();
        final Map<String, Integer> insertOnceSeen = new HashMap<>();
        final Set<String> versions = new HashSet<>();
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        String cursor = "0";

        @SuppressWarnings("unchecked")
        void pullAll(Caller d, int limit) throws IOException {
            PullService.Page p;
            do {
                p = pull.pull(d, cursor, limit);
                Map<String, Object> body = json.readValue(p.body(), Map.class);
                for (Map<String, Object> ch : (List<Map<String, Object>>) body.get("changes")) {
                    String id = ((Map<String, Object>) ch.get("pk")).get("id").toString();
                    if ("upsert".equals(ch.get("op"))) {
                        Map<String, Object> data = (Map<String, Object>) ch.get("data");
                        String n = data.get("n").toString();
                        // (id, n) names one committed version: hot rows bump n on every write and
                        // insert-once rows are written once, so no version may ever arrive twice
                        String version = id + "#" + n;
                        if ("once".equals(data.get("body"))) {
                            insertOnceSeen.merge(id, 1, Integer::sum);
                        } else if (rows.containsKey(id) && Long.parseLong(rows.get(id)) > Long.parseLong(n)) {
                            errors.add("older version " + n + " of " + id + " after " + rows.get(id));
                        }
                        if (!versions.add(version)) {
                            errors.add("served twice: " + version + " (owner " + data.get("owner") + ", " + data.get("body") + ")");
                        }
                        rows.put(id, n);
                    } else {
                        rows.remove(id);
                    }
                }
                String next = (String) body.get("cursor");
                cursor = next;
            } while (p.hasMore());
        }
    }

    private static void sleep(int ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }
}

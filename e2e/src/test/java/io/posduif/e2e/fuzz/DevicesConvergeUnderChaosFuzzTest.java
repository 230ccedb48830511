package io.posduif.e2e.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.posduif.client.LocalWriteException;
import io.posduif.client.sim.WebSession;
import io.posduif.e2e.support.Devices;
import io.posduif.e2e.support.E2eSchemas;
import io.posduif.e2e.support.E2eServer;
import io.posduif.functions.tenant.TenantId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Convergence under chaos: devices of two users write random inserts, updates and deletes on one
 * table per conflict policy (plus a table everyone sees), go offline, lose push acknowledgements
 * and retry, while web-API writes ({@code /api/tables}) and plain SQL writes (including moving rows
 * between users' scopes) hit the same tables, from the round loop and from a concurrent thread. After a quiet period every device's
 * SQLite must equal PostgreSQL's rows for its scope, with an empty outbox.
 *
 * <p>Seeded: the device actions are a function of the seed (printed on failure; rerun with
 * {@code -Dposduif.fuzz.seed=…}). {@code -Dposduif.soak=true} runs the long mode
 * ({@code posduif.fuzz.rounds}, default 5,000, more devices).
 */
class DevicesConvergeUnderChaosFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final boolean SOAK = Boolean.getBoolean("posduif.soak");

    @TempDir
    Path dir;

    @Test
    void everyDeviceEndsWithTheServerStateOfItsScope() throws Exception {
        long seed = Long.getLong("posduif.fuzz.seed", System.nanoTime());
        int rounds = Integer.getInteger("posduif.fuzz.rounds", SOAK ? 5_000 : 200);
        int devices = Integer.getInteger("posduif.fuzz.devices", SOAK ? 8 : 5);
        try {
            run(seed, rounds, devices);
        } catch (Throwable t) {
            throw new AssertionError("convergence fuzz failed: seed=" + seed + " rounds=" + rounds + " devices=" + devices
                    + " (rerun with -Dposduif.fuzz.seed=" + seed + ")", t);
        }
    }

    private record Sim(Devices.Device device, String userId) {
    }

    private void run(long seed, int rounds, int deviceCount) throws Exception {
        Random random = new Random(seed);
        E2eServer server = E2eServer.shared();
        TenantId tenant = server.newTenant("fuzz", E2eSchemas.FUZZ);
        WebSession web = Devices.webLogin(server, tenant);
        String schema = tenant.schema();

        List<Sim> sims = new ArrayList<>();
        try {
            for (int i = 0; i < deviceCount; i++) {
                String user = i % 2 == 0 ? "ann" : "ben"; // several devices per user, two users
                Devices.Device d = Devices.enroll(server, web, user, dir, random.nextLong());
                d.sdk().sync();
                sims.add(new Sim(d, d.sdk().userId()));
            }
            List<String> userIds = sims.stream().map(Sim::userId).distinct().toList();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong backgroundWrites = new AtomicLong();
            Random bgRandom = new Random(seed ^ 0x5DEECE66DL);
            Thread background = Thread.ofPlatform().name("fuzz-sql-writer").start(() -> {
                while (!stop.get()) {
                    try {
                        sqlWrite(server, schema, bgRandom, userIds);
                        backgroundWrites.incrementAndGet();
                        Thread.sleep(15);
                    } catch (InterruptedException e) {
                        return;
                    } catch (SQLException e) {
                        // a concurrent delete made the target vanish: fine, next write
                    }
                }
            });

            Map<String, AtomicLong> stats = new TreeMap<>();
            try {
                for (int round = 0; round < rounds; round++) {
                    Sim s = sims.get(random.nextInt(sims.size()));
                    int dice = random.nextInt(100);
                    if (dice < 50) {
                        deviceWrite(s, random, userIds, stats);
                    } else if (dice < 70) {
                        try {
                            s.device().sdk().sync();
                            count(stats, "sync_ok");
                        } catch (Exception e) {
                            count(stats, "sync_failed");
                        }
                    } else if (dice < 80) {
                        s.device().network().setOffline(!s.device().network().isOffline());
                        count(stats, "toggle_offline");
                    } else if (dice < 88) {
                        s.device().network().setLoseAckProbability(random.nextBoolean() ? 0.5 : 0);
                        count(stats, "toggle_lose_ack");
                    } else if (dice < 94) {
                        try {
                            sqlWrite(server, schema, random, userIds);
                            count(stats, "sql_write");
                        } catch (SQLException e) {
                            count(stats, "sql_write_failed");
                        }
                    } else {
                        try {
                            webWrite(server, web, schema, random, userIds);
                            count(stats, "web_write");
                        } catch (io.posduif.client.ApiException e) {
                            count(stats, "web_write_" + e.code()); // e.g. NOT_FOUND: a concurrent delete won
                        }
                    }
                }
            } finally {
                stop.set(true);
                background.join();
            }

            // Quiet period: everybody online, nothing lost; two passes so each device pulls the others' pushes.
            for (Sim s : sims) {
                s.device().network().setOffline(false);
                s.device().network().setLoseAckProbability(0);
            }
            for (int pass = 0; pass < 3; pass++) {
                for (Sim s : sims) {
                    s.device().sdk().sync();
                }
            }

            long lostAcks = sims.stream().mapToLong(s -> s.device().network().lostAcks()).sum();
            long rowsCompared = 0;
            String context = "stats=" + stats + " backgroundSqlWrites=" + backgroundWrites.get() + " lostAcks=" + lostAcks;
            for (Sim s : sims) {
                assertEquals(0, s.device().sdk().pendingCount(), "outbox drained; " + context);
                assertFalse(s.device().sdk().isRevoked(), context);
                for (String table : E2eSchemas.FUZZ_SYNCED) {
                    Map<String, JsonNode> expected = serverRows(server, schema, table, table.equals("f_shared") ? null : s.userId());
                    Map<String, JsonNode> actual = new TreeMap<>();
                    for (ObjectNode row : s.device().sdk().rows(table)) {
                        actual.put(row.path("id").asText(), normalize(row));
                    }
                    rowsCompared += expected.size();
                    assertEquals(expected, actual, "device " + s.device().sdk().deviceId() + " (" + s.device().username()
                            + ") table " + table + "; " + context);
                }
            }
            System.out.println("convergence fuzz ok: seed=" + seed + " rounds=" + rounds + " devices=" + deviceCount
                    + " rowsCompared=" + rowsCompared + " " + context);
            assertTrue(rowsCompared > 0, "the run produced rows to compare");
            assertTrue(stats.containsKey("sync_ok") && stats.containsKey("update") && stats.containsKey("delete"), context);
        } finally {
            for (Sim s : sims) {
                s.device().close();
            }
        }
    }

    private static void count(Map<String, AtomicLong> stats, String key) {
        stats.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    /** Keys inserted by any device, per table: reused now and then, so that an insert meets a row it did not make. */
    private final Map<String, List<String>> inserted = new TreeMap<>();

    private void deviceWrite(Sim s, Random random, List<String> userIds, Map<String, AtomicLong> stats) {
        String table = E2eSchemas.FUZZ_SYNCED[random.nextInt(E2eSchemas.FUZZ_SYNCED.length)];
        int op = random.nextInt(10);
        List<ObjectNode> rows = s.device().sdk().rows(table);
        try {
            if (op < 4 || rows.isEmpty()) {
                Map<String, Object> row = new LinkedHashMap<>();
                List<String> keys = inserted.computeIfAbsent(table, k -> new ArrayList<>());
                // an insert of a key another device made (the other user's row, a row not pulled yet,
                // a deleted row's tombstone): the server holds it, and decides the insert as an upsert
                boolean reused = !keys.isEmpty() && random.nextInt(8) == 0;
                String id = reused ? keys.get(random.nextInt(keys.size())) : uuid(random);
                if (rows.stream().anyMatch(r -> r.path("id").asText().equals(id))) {
                    count(stats, "insert_key_held_locally");
                    return;
                }
                if (reused) {
                    count(stats, "insert_reusing_a_key");
                }
                keys.add(id);
                row.put("id", id);
                row.put("owner_id", table.equals("f_shared") ? userIds.get(random.nextInt(userIds.size())) : s.userId());
                // every column half the time: the server writes such a row without reading it first
                row.putAll(random.nextBoolean() ? fields(random, 4) : allFields(random));
                if (random.nextInt(8) == 0) {
                    s.device().sdk().insert("f_local", Map.of("id", uuid(random), "body", "local " + random.nextInt()));
                }
                s.device().sdk().insert(table, row);
                count(stats, "insert");
            } else if (op < 8) {
                ObjectNode target = rows.get(random.nextInt(rows.size()));
                Map<String, Object> change = new LinkedHashMap<>();
                change.put("id", target.path("id").asText());
                change.putAll(fields(random, 1 + random.nextInt(2)));
                s.device().sdk().update(table, change);
                count(stats, "update");
            } else {
                ObjectNode target = rows.get(random.nextInt(rows.size()));
                s.device().sdk().delete(table, Map.of("id", target.path("id").asText()));
                count(stats, "delete");
            }
        } catch (LocalWriteException e) {
            count(stats, "local_" + e.code());
        }
    }

    private static Map<String, Object> allFields(Random random) {
        Map<String, Object> f = new LinkedHashMap<>();
        for (int i = 0; i < 8 && f.size() < 4; i++) {
            f.putAll(fields(random, 4));
        }
        Map<String, Object> all = new LinkedHashMap<>();
        for (String name : List.of("title", "n", "flag", "meta")) {
            all.put(name, f.get(name));
        }
        return all;
    }

    private static Map<String, Object> fields(Random random, int n) {
        Map<String, Object> f = new LinkedHashMap<>();
        String[] names = {"title", "n", "flag", "meta"};
        for (int i = 0; i < n; i++) {
            String name = names[random.nextInt(names.length)];
            f.put(name, switch (name) {
                case "title" -> "t" + random.nextInt(1000);
                case "n" -> (long) random.nextInt(1000);
                case "flag" -> random.nextBoolean();
                default -> Map.of("k", random.nextInt(100), "tags", List.of("a" + random.nextInt(5)));
            });
        }
        return f;
    }

    /** A web user's write through the tables API ({@code /api/tables/{table}/rows}). */
    private static void webWrite(E2eServer server, WebSession web, String schema, Random random, List<String> userIds)
            throws Exception {
        String table = E2eSchemas.FUZZ_SYNCED[random.nextInt(E2eSchemas.FUZZ_SYNCED.length)];
        int op = random.nextInt(10);
        String target = null;
        if (op >= 4) {
            try (Connection c = server.jdbc(); PreparedStatement ps = c.prepareStatement("SELECT id::text FROM \"" + schema + "\".\""
                    + table + "\" ORDER BY md5(id::text || ?) LIMIT 1")) {
                ps.setString(1, Integer.toString(random.nextInt()));
                try (ResultSet rs = ps.executeQuery()) {
                    target = rs.next() ? rs.getString(1) : null;
                }
            }
        }
        if (target == null) {
            ObjectNode row = JSON.createObjectNode();
            row.put("id", uuid(random));
            row.put("owner_id", userIds.get(random.nextInt(userIds.size())));
            row.put("title", "web" + random.nextInt(1000));
            row.put("n", random.nextInt(1000));
            web.json("POST", "/api/tables/" + table + "/rows", row);
        } else if (op < 8) {
            ObjectNode change = JSON.createObjectNode();
            change.put("title", "web-upd" + random.nextInt(1000));
            change.put("flag", random.nextBoolean());
            web.json("PUT", "/api/tables/" + table + "/rows/" + target, change);
        } else {
            web.json("DELETE", "/api/tables/" + table + "/rows/" + target, null);
        }
    }

    /** A write that does not go through any device: plain SQL on the tenant's table (trigger-captured). */
    private static void sqlWrite(E2eServer server, String schema, Random random, List<String> userIds) throws SQLException {
        String table = E2eSchemas.FUZZ_SYNCED[random.nextInt(E2eSchemas.FUZZ_SYNCED.length)];
        String qt = "\"" + schema + "\".\"" + table + "\"";
        int op = random.nextInt(10);
        try (Connection c = server.jdbc()) {
            if (op < 3) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + qt
                        + " (id, owner_id, title, n, flag, meta) VALUES (?::uuid, ?::uuid, ?, ?, ?, ?::jsonb)")) {
                    ps.setString(1, uuid(random));
                    ps.setString(2, userIds.get(random.nextInt(userIds.size())));
                    ps.setString(3, "sql" + random.nextInt(1000));
                    ps.setLong(4, random.nextInt(1000));
                    ps.setBoolean(5, random.nextBoolean());
                    ps.setString(6, "{\"k\": " + random.nextInt(100) + "}");
                    ps.executeUpdate();
                }
            } else if (op < 7) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + qt + " SET title = ?, n = ? WHERE id = (SELECT id FROM "
                        + qt + " ORDER BY md5(id::text || ?) LIMIT 1)")) {
                    ps.setString(1, "sql-upd" + random.nextInt(1000));
                    ps.setLong(2, random.nextInt(1000));
                    ps.setString(3, Integer.toString(random.nextInt()));
                    ps.executeUpdate();
                }
            } else if (op < 9) {
                // Moves a row into the other user's scope (a removal for the old owner's devices).
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + qt + " SET owner_id = ?::uuid WHERE id = (SELECT id FROM "
                        + qt + " ORDER BY md5(id::text || ?) LIMIT 1)")) {
                    ps.setString(1, userIds.get(random.nextInt(userIds.size())));
                    ps.setString(2, Integer.toString(random.nextInt()));
                    ps.executeUpdate();
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + qt + " WHERE id = (SELECT id FROM "
                        + qt + " ORDER BY md5(id::text || ?) LIMIT 1)")) {
                    ps.setString(1, Integer.toString(random.nextInt()));
                    ps.executeUpdate();
                }
            }
        }
    }

    private static Map<String, JsonNode> serverRows(E2eServer server, String schema, String table, String ownerId) throws Exception {
        Map<String, JsonNode> out = new TreeMap<>();
        String sql = "SELECT id::text, owner_id::text, title, n, flag, meta::text FROM \"" + schema + "\".\"" + table + "\""
                + (ownerId == null ? "" : " WHERE owner_id = ?::uuid");
        try (Connection c = server.jdbc(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (ownerId != null) {
                ps.setString(1, ownerId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode row = JSON.createObjectNode();
                    row.put("id", rs.getString(1));
                    row.put("owner_id", rs.getString(2));
                    row.put("title", rs.getString(3));
                    long n = rs.getLong(4);
                    if (rs.wasNull()) {
                        row.putNull("n");
                    } else {
                        row.put("n", n);
                    }
                    boolean flag = rs.getBoolean(5);
                    if (rs.wasNull()) {
                        row.putNull("flag");
                    } else {
                        row.put("flag", flag);
                    }
                    String meta = rs.getString(6);
                    row.set("meta", meta == null ? JSON.nullNode() : JSON.readTree(meta));
                    out.put(rs.getString(1), row);
                }
            }
        }
        return out;
    }

    private static JsonNode normalize(ObjectNode deviceRow) {
        ObjectNode row = JSON.createObjectNode();
        for (String f : List.of("id", "owner_id", "title", "n", "flag", "meta")) {
            JsonNode v = deviceRow.get(f);
            row.set(f, v == null ? JSON.nullNode() : v);
        }
        return row;
    }

    private static String uuid(Random random) {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}

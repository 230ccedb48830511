package io.posduif.functions.sync;

import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
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

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

@MicronautTest
class DuplicatePushIsAppliedOnceTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    Db db;
    @Inject
    JsonMapper json;
    @Inject
    @Client("/")
    HttpClient http;

    SyncHttp sync;
    TenantId tenant;
    Fixtures.User user;
    Fixtures.Device device;

    @BeforeAll
    void setUp() {
        sync = new SyncHttp(http, json);
        tenant = fixtures.newTenant("dup");
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        user = fixtures.mobileUser(tenant);
        device = fixtures.device(tenant, user.id());
    }

    @Test
    void replayIsDuplicateAndReusedOpIdWithOtherPayloadIsRejected() {
        UUID id = UUID.randomUUID();
        Map<String, Object> op = SyncHttp.upsert("notes", id, Map.of("owner", user.id().toString(), "body", "one"), "2024-01-15T10:35:00.000Z");
        assertEquals("applied", sync.push(device, op).get(0).get("status"));
        assertEquals("duplicate", sync.push(device, op).get(0).get("status"));

        Map<String, Object> reused = new HashMap<>(op);
        reused.put("data", Map.of("id", id.toString(), "owner", user.id().toString(), "body", "two"));
        Map<String, Object> r = sync.push(device, reused).get(0);
        assertEquals("rejected", r.get("status"));
        assertEquals("OP_ID_REUSED", r.get("code"));
        assertEquals("one", body(id), "neither the replay nor the reused op changed the row");
        assertEquals(1, changesOf(id), "one change-log entry for the row");
    }

    @Test
    void concurrentReplaysOfOneBatchApplyEachOpOnce() throws Exception {
        List<Map<String, Object>> ops = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ops.add(SyncHttp.upsert("notes", UUID.randomUUID(), Map.of("owner", user.id().toString(), "body", "b" + i, "n", i),
                    "2024-01-15T10:35:00.000Z"));
        }
        Map<String, Integer> applied = SyncHttp.appliedPerOpId(AtOnce.run(6, p -> sync.push(device, ops.toArray(Map[]::new))),
                r -> assertEquals("duplicate", r.get("status")));
        assertEquals(20, applied.size(), "every op applied by some request");
        applied.values().forEach(n -> assertEquals(1, n, "and by exactly one"));
    }

    /**
     * One op id delivered at once with two payloads (each writing another row): exactly one
     * delivery applies; the others answer duplicate (same payload) or OP_ID_REUSED (the other
     * payload), and the other payload's row is never written.
     */
    @Test
    void concurrentDeliveriesOfOneOpIdWithTwoPayloadsApplyExactlyOne() throws Exception {
        for (int round = 0; round < 5; round++) {
            String opId = UUID.randomUUID().toString();
            UUID rowA = UUID.randomUUID();
            UUID rowB = UUID.randomUUID();
            Map<String, Object> a = new HashMap<>(SyncHttp.upsert("notes", rowA, Map.of("owner", user.id().toString(), "body", "a"), "2024-01-15T10:35:00.000Z"));
            Map<String, Object> b = new HashMap<>(SyncHttp.upsert("notes", rowB, Map.of("owner", user.id().toString(), "body", "b"), "2024-01-15T10:35:00.000Z"));
            a.put("op_id", opId);
            b.put("op_id", opId);
            int parallel = 6;
            List<String> statuses = new ArrayList<>();
            for (Map<String, Object> r : AtOnce.run(parallel, p -> sync.push(device, p % 2 == 0 ? a : b).get(0))) {
                statuses.add(r.get("status") + (r.get("code") == null ? "" : "/" + r.get("code")));
            }
            assertEquals(1, statuses.stream().filter("applied"::equals).count(), statuses.toString());
            long reused = statuses.stream().filter("rejected/OP_ID_REUSED"::equals).count();
            long duplicate = statuses.stream().filter("duplicate"::equals).count();
            assertEquals(parallel - 1, reused + duplicate, statuses.toString());
            assertEquals(parallel / 2, reused, "every delivery of the other payload is refused: " + statuses);
            int written = db.withConnection(c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + tenant.schema()
                        + ".notes WHERE id IN ('" + rowA + "', '" + rowB + "')")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertEquals(1, written, "only the applied payload's row exists");
        }
    }

    /**
     * Ops that write no row (rejected before any lock: an undeclared table) take no row lock, so
     * concurrent deliveries of them meet only on the ledger's key: the later ones are redone and
     * answer duplicate, never an error, and the ledger holds each op once.
     */
    @Test
    void concurrentDeliveriesOfOpsThatWriteNoRowAreRecordedOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            List<Map<String, Object>> ops = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ops.add(SyncHttp.upsert("no_such_table", UUID.randomUUID(), Map.of("x", i), "2024-01-15T10:35:00.000Z"));
            }
            int first = 0;
            for (List<Map<String, Object>> results : AtOnce.run(6, p -> sync.push(device, ops.toArray(Map[]::new)))) {
                assertEquals(ops.size(), results.size());
                for (Map<String, Object> r : results) {
                    assertEquals("UNKNOWN_TABLE", r.get("code"), r.toString());
                    if ("rejected".equals(r.get("status"))) {
                        first++;
                    } else {
                        assertEquals("duplicate", r.get("status"), r.toString());
                        assertEquals("rejected", r.get("original_status"), r.toString());
                    }
                }
            }
            assertEquals(ops.size(), first, "each op decided by exactly one delivery");
            String ids = String.join("', '", ops.stream().map(o -> (String) o.get("op_id")).toList());
            int recorded = db.withConnection(c -> {
                try (var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM " + tenant.schema()
                        + ".posduif_ops WHERE op_id IN ('" + ids + "')")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertEquals(ops.size(), recorded, "one ledger row per op");
        }
    }

    private String body(UUID id) {
        return db.withConnection(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT body FROM " + tenant.schema() + ".notes WHERE id = '" + id + "'")) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    private int changesOf(UUID id) {
        return db.withConnection(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + tenant.schema()
                    + ".posduif_changes WHERE tbl = 'notes' AND pk = '{\"id\":\"" + id + "\"}'")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }
}

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
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The op ledger records a batch whose ops all applied, with op ids increasing above the device's
 * op mark, as one row (posduif_op_batches), and any other batch as a row per op. Replays must be
 * found in either, also below the mark, also when two deliveries race; each test uses a device
 * of its own and op ids it orders itself.
 */
@MicronautTest
class ReplaysAreFoundWhicheverWayTheLedgerRecordedThemTest extends StackTest {

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

    @BeforeAll
    void setUp() {
        sync = new SyncHttp(http, json);
        tenant = fixtures.newTenant("opbatch");
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        user = fixtures.mobileUser(tenant);
    }

    @Test
    void anIncreasingBatchIsOneLedgerRowAndItsReplayAppliesNothing() {
        Fixtures.Device device = fixtures.device(tenant, user.id());
        List<Map<String, Object>> ops = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            ops.add(op(i, "one " + i));
        }
        assertStatuses(sync.push(device, ops.toArray(Map[]::new)), "applied", "applied", "applied", "applied", "applied");
        assertEquals("1 batch row, 0 op rows, mark " + opId(5), ledger(device), "recorded as one row");
        Object entries = value("SELECT count(*) FROM " + tenant.schema() + ".posduif_changes");

        List<Map<String, Object>> answer = sync.push(device, ops.toArray(Map[]::new));
        for (Map<String, Object> r : answer) {
            assertEquals("duplicate", r.get("status"), r.toString());
            assertEquals("applied", r.get("original_status"), r.toString());
        }
        assertEquals(entries, value("SELECT count(*) FROM " + tenant.schema() + ".posduif_changes"), "the replay captured nothing");
        assertEquals("1 batch row, 0 op rows, mark " + opId(5), ledger(device), "and recorded nothing");

        // the same op id with another payload, between two replays
        Map<String, Object> reused = new HashMap<>(ops.get(2));
        reused.put("data", Map.of("id", ((Map<?, ?>) ops.get(2).get("pk")).get("id"), "owner", user.id().toString(), "body", "other"));
        List<Map<String, Object>> mixed = sync.push(device, ops.get(1), reused, ops.get(3));
        assertStatuses(mixed, "duplicate", "rejected", "duplicate");
        assertEquals("OP_ID_REUSED", mixed.get(1).get("code"));
        assertEquals("one 3", value("SELECT body FROM " + tenant.schema() + ".notes WHERE id = '" + ((Map<?, ?>) ops.get(2).get("pk")).get("id") + "'"));
    }

    @Test
    void aReplayMixedWithNewOpsAppliesOnlyTheNewAndRecordsThemPerOp() {
        Fixtures.Device device = fixtures.device(tenant, user.id());
        Map<String, Object> a = op(1, "a");
        Map<String, Object> b = op(2, "b");
        Map<String, Object> c = op(3, "c");
        Map<String, Object> d = op(4, "d");
        assertStatuses(sync.push(device, a, b), "applied", "applied");
        // b is a replay, so the batch is not one of new ops only
        assertStatuses(sync.push(device, b, c, d), "duplicate", "applied", "applied");
        assertEquals("1 batch row, 2 op rows, mark " + opId(4), ledger(device));
        assertStatuses(sync.push(device, a, b, c, d), "duplicate", "duplicate", "duplicate", "duplicate");
    }

    @Test
    void opIdsThatDoNotIncreaseAreRecordedPerOpAndFoundBelowTheMark() {
        Fixtures.Device device = fixtures.device(tenant, user.id());
        Map<String, Object> one = op(1, "1");
        Map<String, Object> two = op(2, "2");
        Map<String, Object> three = op(3, "3");
        Map<String, Object> five = op(5, "5");
        Map<String, Object> six = op(6, "6");
        assertStatuses(sync.push(device, three, one), "applied", "applied");
        assertEquals("0 batch rows, 2 op rows, mark " + opId(3), ledger(device));
        // below the mark but new: looked up, not found, applied (and recorded per op: it is not above the mark)
        assertStatuses(sync.push(device, two), "applied");
        assertEquals("0 batch rows, 3 op rows, mark " + opId(3), ledger(device));
        assertStatuses(sync.push(device, five, six), "applied", "applied");
        assertEquals("1 batch row, 3 op rows, mark " + opId(6), ledger(device));
        assertStatuses(sync.push(device, six, one, five, two, three), "duplicate", "duplicate", "duplicate", "duplicate", "duplicate");
    }

    /** A batch row keeps op ids as uuid: ids that uuid would not print back as sent are recorded per op, and still found. */
    @Test
    void increasingOpIdsThatAreNotCanonicalUuidsAreRecordedPerOp() {
        Fixtures.Device device = fixtures.device(tenant, user.id());
        Map<String, Object> a = op(1, "a");
        Map<String, Object> b = op(2, "b");
        a.put("op_id", "outbox-0001");
        b.put("op_id", "outbox-0002");
        assertStatuses(sync.push(device, a, b), "applied", "applied");
        assertEquals("0 batch rows, 2 op rows, mark outbox-0002", ledger(device));
        assertStatuses(sync.push(device, b, a), "duplicate", "duplicate");

        // a UUID in upper case, on a device without a mark: above it, but not as uuid prints it
        Fixtures.Device other = fixtures.device(tenant, user.id());
        Map<String, Object> upper = op(3, "upper");
        String id = ((String) upper.get("op_id")).replace("0000-7000", "0000-7abc").toUpperCase(java.util.Locale.ROOT);
        upper.put("op_id", id);
        assertStatuses(sync.push(other, upper), "applied");
        assertEquals("0 batch rows, 1 op rows, mark " + id, ledger(other));
        assertStatuses(sync.push(other, upper), "duplicate");
    }

    /**
     * An instance of an older version, during a rolling upgrade, records ops a row per op without
     * knowing the op mark; the ledger's trigger raises the mark for it, so a newer push looks the
     * op up instead of taking it for new (and recording it again as a batch row).
     */
    @Test
    void opsRecordedByAnInstanceThatKnowsNoMarkAreStillFound() {
        Fixtures.Device device = fixtures.device(tenant, user.id());
        assertStatuses(sync.push(device, op(1, "new code")), "applied");
        db.withConnection(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + tenant.schema() + ".posduif_op_ledger (device_id, op_id, payload_hash, status) VALUES ('"
                        + device.deviceId() + "', '" + opId(5) + "', '" + "0".repeat(64) + "', 'applied')");
            }
            return null;
        });
        assertEquals("1 batch row, 1 op rows, mark " + opId(5), ledger(device));
        List<Map<String, Object>> answer = sync.push(device, op(5, "recorded by the older instance"), op(6, "new"));
        assertStatuses(answer, "rejected", "applied");
        assertEquals("OP_ID_REUSED", answer.get(0).get("code"), "found in the ledger, with another payload hash");
    }

    @Test
    void aBatchWithARejectedOpIsRecordedPerOpWithItsResults() {
        Fixtures.Device device = fixtures.device(tenant, user.id());
        Map<String, Object> ok = op(1, "ok");
        Map<String, Object> bad = new HashMap<>(op(2, "bad"));
        bad.put("table", "no_such_table");
        Map<String, Object> alsoOk = op(3, "also ok");
        assertStatuses(sync.push(device, ok, bad, alsoOk), "applied", "rejected", "applied");
        assertEquals("0 batch rows, 3 op rows, mark " + opId(3), ledger(device));
        List<Map<String, Object>> replay = sync.push(device, ok, bad, alsoOk);
        assertStatuses(replay, "duplicate", "duplicate", "duplicate");
        assertEquals("applied", replay.get(0).get("original_status"));
        assertEquals("rejected", replay.get(1).get("original_status"));
        assertEquals("UNKNOWN_TABLE", replay.get(1).get("code"));
        assertNull(replay.get(2).get("code"));
    }

    /** Deliveries of one increasing batch at once: one applies it, as one row; the others are redone and answer duplicate. */
    @Test
    void concurrentDeliveriesOfOneIncreasingBatchApplyItOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            Fixtures.Device device = fixtures.device(tenant, user.id());
            List<Map<String, Object>> ops = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                ops.add(op(i, "r" + round + " " + i));
            }
            Map<String, Integer> applied = SyncHttp.appliedPerOpId(AtOnce.run(6, p -> sync.push(device, ops.toArray(Map[]::new))),
                    r -> assertEquals("duplicate", r.get("status"), r.toString()));
            assertEquals(20, applied.size(), "every op applied by some delivery");
            applied.values().forEach(n -> assertEquals(1, n, "and by exactly one"));
            assertEquals("1 batch row, 0 op rows, mark " + opId(20), ledger(device));
        }
    }

    /**
     * Two different batches of one device at once, both above the mark when read: the mark lets
     * only one record as read; the other is redone, finds its ops below the new mark, looks them
     * up, and applies them all.
     */
    @Test
    void concurrentBatchesOfOneDeviceBothApply() throws Exception {
        for (int round = 0; round < 5; round++) {
            Fixtures.Device device = fixtures.device(tenant, user.id());
            List<List<Map<String, Object>>> batches = new ArrayList<>();
            for (int b = 0; b < 4; b++) {
                List<Map<String, Object>> ops = new ArrayList<>();
                for (int i = 1; i <= 10; i++) {
                    ops.add(op(b * 10 + i, "b" + b + " " + i));
                }
                batches.add(ops);
            }
            int applied = 0;
            for (List<Map<String, Object>> answer : AtOnce.run(4, p -> sync.push(device, batches.get(p).toArray(Map[]::new)))) {
                for (Map<String, Object> r : answer) {
                    assertEquals("applied", r.get("status"), r.toString());
                    applied++;
                }
            }
            assertEquals(40, applied);
            assertEquals(40L, value("SELECT count(*) FROM " + tenant.schema() + ".posduif_ops WHERE device_id = '" + device.deviceId() + "'"),
                    "every op recorded once");
            assertEquals(opId(40), value("SELECT op_mark FROM " + tenant.schema() + ".posduif_sync_devices WHERE device_id = '" + device.deviceId() + "'"));
            for (List<Map<String, Object>> batch : batches) {
                for (Map<String, Object> r : sync.push(device, batch.toArray(Map[]::new))) {
                    assertEquals("duplicate", r.get("status"), r.toString());
                }
            }
        }
    }

    /**
     * Overlapping increasing batches at once (a device that regrouped its outbox between two
     * deliveries): both are above the mark when read and neither's last op id is the other's,
     * so only the mark can tell the second that the first recorded some of its ops.
     */
    @Test
    void concurrentOverlappingBatchesApplyEachOpOnce() throws Exception {
        for (int round = 0; round < 5; round++) {
            Fixtures.Device device = fixtures.device(tenant, user.id());
            List<Map<String, Object>> ops = new ArrayList<>();
            for (int i = 1; i <= 15; i++) {
                ops.add(op(i, "o" + round + " " + i));
            }
            List<List<Map<String, Object>>> deliveries = List.of(ops.subList(0, 10), ops.subList(4, 15), ops.subList(2, 12));
            Map<String, Integer> applied = SyncHttp.appliedPerOpId(AtOnce.run(3, p -> sync.push(device, deliveries.get(p).toArray(Map[]::new))),
                    r -> assertEquals("duplicate", r.get("status"), r.toString()));
            assertEquals(15, applied.size(), "every op applied by some delivery");
            applied.values().forEach(n -> assertEquals(1, n, "and by exactly one: " + applied));
            assertEquals(15L, value("SELECT count(*) FROM " + tenant.schema() + ".posduif_ops WHERE device_id = '" + device.deviceId() + "'"),
                    "every op recorded once");
        }
    }

    /**
     * Batches that share op ids but no row (the shared ids carry other payloads): no row lock
     * orders them, and their last op ids differ, so neither the locks nor the batch rows' key
     * meet. Only the mark, checked when each records its ops, lets one of them commit as read;
     * the other is redone and finds the shared ids taken (OP_ID_REUSED).
     */
    @Test
    void concurrentBatchesSharingOpIdsButNoRowsApplyEachOpIdOnce() throws Exception {
        for (int round = 0; round < 8; round++) {
            Fixtures.Device device = fixtures.device(tenant, user.id());
            List<Map<String, Object>> first = new ArrayList<>();
            List<Map<String, Object>> second = new ArrayList<>();
            for (int i = 1; i <= 15; i++) {
                if (i <= 10) {
                    first.add(op(i, "first " + i));
                }
                if (i >= 5) {
                    second.add(op(i, "second " + i));
                }
            }
            List<List<Map<String, Object>>> deliveries = List.of(first, second);
            int[] reused = {0};
            Map<String, Integer> applied = SyncHttp.appliedPerOpId(AtOnce.run(2, p -> sync.push(device, deliveries.get(p).toArray(Map[]::new))), r -> {
                assertEquals("OP_ID_REUSED", r.get("code"), r.toString());
                reused[0]++;
            });
            assertEquals(15, applied.size(), "every op id applied by some delivery");
            applied.values().forEach(n -> assertEquals(1, n, "and by exactly one: " + applied));
            assertEquals(6, reused[0], "the shared op ids are refused to the delivery that came second");
            List<String> rows = new ArrayList<>();
            for (Map<String, Object> op : first) {
                rows.add((String) ((Map<?, ?>) op.get("pk")).get("id"));
            }
            for (Map<String, Object> op : second) {
                rows.add((String) ((Map<?, ?>) op.get("pk")).get("id"));
            }
            assertEquals(15L, value("SELECT count(*) FROM " + tenant.schema() + ".notes WHERE id IN ('" + String.join("', '", rows) + "')"),
                    "only the applied payloads' rows exist");
            assertEquals(15L, value("SELECT count(*) FROM " + tenant.schema() + ".posduif_ops WHERE device_id = '" + device.deviceId() + "'"));
        }
    }

    /** An op of the notes table whose op id sorts by {@code n} (as the SDK's UUIDv7 ids sort by time). */
    private Map<String, Object> op(int n, String body) {
        Map<String, Object> op = SyncHttp.upsert("notes", UUID.randomUUID(), Map.of("owner", user.id().toString(), "body", body),
                "2024-01-15T10:35:00.000Z");
        op.put("op_id", opId(n));
        return op;
    }

    private String opId(int n) {
        return String.format("%08x-0000-7000-8000-%012x", n, tenant.value().hashCode() & 0xffffffffL);
    }

    private String ledger(Fixtures.Device device) {
        String s = tenant.schema();
        String id = device.deviceId();
        long batches = (Long) value("SELECT count(*) FROM " + s + ".posduif_op_batches WHERE device_id = '" + id + "'");
        long perOp = (Long) value("SELECT count(*) FROM " + s + ".posduif_op_ledger WHERE device_id = '" + id + "'");
        Object mark = value("SELECT op_mark FROM " + s + ".posduif_sync_devices WHERE device_id = '" + id + "'");
        return batches + (batches == 1 ? " batch row, " : " batch rows, ") + perOp + " op rows, mark " + mark;
    }

    private Object value(String sql) {
        return db.withConnection(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getObject(1);
            }
        });
    }

    private static void assertStatuses(List<Map<String, Object>> results, String... expected) {
        assertEquals(List.of(expected), results.stream().map(r -> (String) r.get("status")).toList(), results.toString());
    }

}

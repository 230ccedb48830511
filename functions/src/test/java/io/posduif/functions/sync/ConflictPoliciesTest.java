package io.posduif.functions.sync;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
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

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.posduif.functions.sync.PullServesScopeRemovalsAndPagesTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Two devices of one user write the same rows; each table's policy decides. */
@MicronautTest
class ConflictPoliciesTest extends StackTest {

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
    Fixtures.Device a;
    Fixtures.Device b;
    Fixtures.User web;

    @BeforeAll
    void setUp() {
        sync = new SyncHttp(http, json);
        tenant = fixtures.newTenant("conf");
        schemas.apply(tenant, List.of(
                SyncTables.notes("n_lww", ConflictPolicy.LWW, new OwnerFilter("n_lww", "owner")),
                SyncTables.notes("n_field", ConflictPolicy.FIELD_LWW, new OwnerFilter("n_field", "owner")),
                SyncTables.notes("n_sw", ConflictPolicy.SERVER_WINS, new OwnerFilter("n_sw", "owner")),
                SyncTables.notes("n_manual", ConflictPolicy.MANUAL, new OwnerFilter("n_manual", "owner"))));
        user = fixtures.mobileUser(tenant);
        a = fixtures.device(tenant, user.id());
        b = fixtures.device(tenant, user.id());
        web = fixtures.webUser(tenant);
    }

    Map<String, Object> data(Object... kv) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("owner", user.id().toString());
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void lwwNewestClientTsWinsAndTiesGoToTheGreaterDevice() {
        UUID id = UUID.randomUUID();
        assertEquals("applied", sync.push(a, SyncHttp.upsert("n_lww", id, data("body", "a"), "2024-01-15T10:00:02.000Z")).get(0).get("status"));
        Map<String, Object> older = sync.push(b, SyncHttp.upsert("n_lww", id, data("body", "b"), "2024-01-15T10:00:01.000Z")).get(0);
        assertEquals("conflict", older.get("status"));
        assertEquals("a", ((Map<?, ?>) older.get("server_row")).get("body"));
        assertEquals("a", col("n_lww", id, "body"));

        // same timestamp from both: the greater device id wins, whatever the arrival order
        UUID tie = UUID.randomUUID();
        Fixtures.Device high = a.deviceId().compareTo(b.deviceId()) > 0 ? a : b;
        Fixtures.Device low = high == a ? b : a;
        sync.push(high, SyncHttp.upsert("n_lww", tie, data("body", "high"), "2024-01-15T10:00:00.000Z"));
        assertEquals("conflict", sync.push(low, SyncHttp.upsert("n_lww", tie, data("body", "low"), "2024-01-15T10:00:00.000Z")).get(0).get("status"));
        assertEquals("high", col("n_lww", tie, "body"));
    }

    @Test
    void fieldLwwKeepsConcurrentEditsOfDifferentFields() {
        UUID id = UUID.randomUUID();
        sync.push(a, SyncHttp.upsert("n_field", id, data("body", "v0", "n", 0), "2024-01-15T10:00:00.000Z"));
        Map<String, Object> editBody = SyncHttp.upsert("n_field", id, data("body", "from a", "n", 0), "2024-01-15T10:00:05.000Z");
        editBody.put("changed_fields", List.of("body"));
        Map<String, Object> editN = SyncHttp.upsert("n_field", id, data("body", "v0", "n", 7), "2024-01-15T10:00:03.000Z");
        editN.put("changed_fields", List.of("n"));
        assertEquals("applied", sync.push(a, editBody).get(0).get("status"));
        assertEquals("applied", sync.push(b, editN).get(0).get("status"), "an older edit of another field still applies");
        assertEquals("from a", col("n_field", id, "body"));
        assertEquals("7", col("n_field", id, "n"));
        // a stale edit of a field that has a newer value loses
        Map<String, Object> stale = SyncHttp.upsert("n_field", id, data("body", "stale", "n", 7), "2024-01-15T10:00:04.000Z");
        stale.put("changed_fields", List.of("body"));
        assertEquals("conflict", sync.push(b, stale).get(0).get("status"));
        assertEquals("from a", col("n_field", id, "body"));
    }

    @Test
    void serverWinsOverADeviceThatHasNotSeenTheServersChange() {
        UUID id = UUID.randomUUID();
        sync.push(a, SyncHttp.upsert("n_sw", id, data("body", "device"), "2024-01-15T10:00:00.000Z"));
        String cursor = pullAll(a);
        sql("UPDATE $S.n_sw SET body = 'office' WHERE id = '" + id + "'");
        Map<String, Object> r = sync.push(a, SyncHttp.upsert("n_sw", id, data("body", "stale edit"), "2099-01-01T00:00:00.000Z")).get(0);
        assertEquals("conflict", r.get("status"));
        assertEquals("office", ((Map<?, ?>) r.get("server_row")).get("body"));
        assertEquals("office", col("n_sw", id, "body"));
        // once the device has pulled the server's version, its next edit applies
        sync.pull(a, cursor);
        pullAll(a);
        assertEquals("applied", sync.push(a, SyncHttp.upsert("n_sw", id, data("body", "after seeing it"), "2024-01-15T10:00:09.000Z")).get(0).get("status"));
        assertEquals("after seeing it", col("n_sw", id, "body"));
    }

    @Test
    void manualConflictsAreListedAndResolvedByAWebUser() throws IOException {
        UUID id = UUID.randomUUID();
        sync.push(a, SyncHttp.upsert("n_manual", id, data("body", "counted 5", "n", 5), "2024-01-15T10:00:00.000Z"));
        pullAll(a);
        sql("UPDATE $S.n_manual SET n = 9, body = 'office says 9' WHERE id = '" + id + "'");
        Map<String, Object> r = sync.push(a, SyncHttp.upsert("n_manual", id, data("body", "counted 6", "n", 6), "2024-01-15T10:00:05.000Z")).get(0);
        assertEquals("conflict", r.get("status"));
        assertEquals("9", col("n_manual", id, "n"), "the server row stays until someone decides");

        Map<?, ?> list = json.readValue(http.toBlocking().retrieve(HttpRequest.GET("/api/conflicts").bearerAuth(web.token())), Map.class);
        Map<?, ?> conflict = ((List<Map<?, ?>>) list.get("conflicts")).stream()
                .filter(c -> ((Map<?, ?>) c.get("pk")).get("id").equals(id.toString())).findFirst().orElseThrow();
        assertEquals("counted 6", ((Map<?, ?>) conflict.get("client_row")).get("body"));
        assertEquals("office says 9", ((Map<?, ?>) conflict.get("server_row")).get("body"));
        String cid = (String) conflict.get("id");

        assertError(() -> resolve(cid, Map.of("resolution", "maybe")), HttpStatus.BAD_REQUEST, "VALIDATION_ERROR");
        assertError(() -> resolve(cid, Map.of("resolution", "merged")), HttpStatus.BAD_REQUEST, "VALIDATION_ERROR");
        assertError(() -> http.toBlocking().retrieve(HttpRequest.GET("/api/conflicts").bearerAuth(a.token())),
                HttpStatus.UNAUTHORIZED, "WRONG_TOKEN_TYPE");

        resolve(cid, Map.of("resolution", "merged", "row", Map.of("body", "recounted: 7", "n", 7)));
        assertEquals("7", col("n_manual", id, "n"));
        assertEquals("recounted: 7", col("n_manual", id, "body"));
        assertError(() -> resolve(cid, Map.of("resolution", "client")), HttpStatus.CONFLICT, "CONFLICT_RESOLVED");
        assertError(() -> resolve(UUID.randomUUID().toString(), Map.of("resolution", "client")), HttpStatus.NOT_FOUND, "NOT_FOUND");
    }

    @Test
    void deletesAreTombstonesThatWinOnlyWhenNewer() {
        UUID id = UUID.randomUUID();
        sync.push(a, SyncHttp.upsert("n_lww", id, data("body", "x"), "2024-01-15T10:00:05.000Z"));
        Map<String, Object> oldDelete = sync.push(b, SyncHttp.delete("n_lww", id, "2024-01-15T10:00:01.000Z")).get(0);
        assertEquals("conflict", oldDelete.get("status"));
        assertEquals("x", col("n_lww", id, "body"));
        assertEquals("applied", sync.push(b, SyncHttp.delete("n_lww", id, "2024-01-15T10:00:09.000Z")).get(0).get("status"));
        assertNull(col("n_lww", id, "body"));
        Map<String, Object> resurrect = sync.push(a, SyncHttp.upsert("n_lww", id, data("body", "late"), "2024-01-15T10:00:07.000Z")).get(0);
        assertEquals("conflict", resurrect.get("status"), "an upsert older than the tombstone loses");
        assertNull(col("n_lww", id, "body"));
        assertEquals("applied", sync.push(a, SyncHttp.upsert("n_lww", id, data("body", "again"), "2024-01-15T10:00:10.000Z")).get(0).get("status"));
        assertEquals("again", col("n_lww", id, "body"));
    }

    @Test
    void aDeleteOfARowNeverHeldIsATombstoneThatOlderWritesLoseTo() {
        UUID id = UUID.randomUUID();
        // b deleted a row that a's outbox is about to create: both offline, b's delete is newer
        assertEquals("applied", sync.push(b, SyncHttp.delete("n_lww", id, "2024-01-15T10:00:09.000Z")).get(0).get("status"));
        Map<String, Object> older = sync.push(a, SyncHttp.upsert("n_lww", id, data("body", "older"), "2024-01-15T10:00:07.000Z")).get(0);
        assertEquals("conflict", older.get("status"), "an upsert older than the tombstone loses, also when the row never existed here");
        assertNull(col("n_lww", id, "body"));
        assertEquals("applied", sync.push(a, SyncHttp.upsert("n_lww", id, data("body", "newer"), "2024-01-15T10:00:10.000Z")).get(0).get("status"));
        assertEquals("newer", col("n_lww", id, "body"));
        // and a replayed older delete after that loses to the newer row
        assertEquals("conflict", sync.push(b, SyncHttp.delete("n_lww", id, "2024-01-15T10:00:08.000Z")).get(0).get("status"));
        assertEquals("newer", col("n_lww", id, "body"));
    }

    /**
     * An older write to a row deleted since is a conflict, whatever else is wrong with it: the
     * tombstone decides before the op's own checks (here, a row that would leave the device's
     * scope). A push looks for the entries of rows missing from their table only when it has to;
     * an op rejected on such a row sends the push round again with them read.
     */
    @Test
    void anOlderWriteToADeletedRowIsAConflictBeforeItIsRejected() {
        UUID id = UUID.randomUUID();
        assertEquals("applied", sync.push(b, SyncHttp.delete("n_lww", id, "2024-01-15T10:00:09.000Z")).get(0).get("status"));
        Map<String, Object> older = sync.push(a, SyncHttp.upsert("n_lww", id, data("owner", UUID.randomUUID().toString(), "body", "elsewhere"),
                "2024-01-15T10:00:07.000Z")).get(0);
        assertEquals("conflict", older.get("status"), older.toString());
        Map<String, Object> newer = sync.push(a, SyncHttp.upsert("n_lww", id, data("owner", UUID.randomUUID().toString(), "body", "elsewhere"),
                "2024-01-15T10:00:10.000Z")).get(0);
        assertEquals("rejected", newer.get("status"), newer.toString());
        assertEquals("OUT_OF_SCOPE", newer.get("code"));
    }

    @Test
    void futureClientTimestampsAreClampedToServerTime() {
        UUID id = UUID.randomUUID();
        sync.push(a, SyncHttp.upsert("n_lww", id, data("body", "from the future"), "2999-01-01T00:00:00.000Z"));
        String soon = Instant.now().plusSeconds(30).toString();
        assertEquals("applied", sync.push(b, SyncHttp.upsert("n_lww", id, data("body", "honest"), soon)).get(0).get("status"),
                "a clock 975 years ahead must not win every later write");
        assertEquals("honest", col("n_lww", id, "body"));
    }

    private void resolve(String id, Map<String, Object> body) {
        try {
            http.toBlocking().retrieve(HttpRequest.POST("/api/conflicts/" + id + "/resolve", json.writeValueAsString(body))
                    .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(web.token()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private String pullAll(Fixtures.Device d) {
        String cursor = "0";
        Map<String, Object> p;
        do {
            p = sync.pull(d, cursor);
            cursor = (String) p.get("cursor");
        } while (Boolean.TRUE.equals(p.get("has_more")));
        // the next pull presents the cursor: the server now knows what the device has seen
        sync.pull(d, cursor);
        assertNotNull(cursor);
        return cursor;
    }

    private void sql(String statement) {
        db.withConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute(statement.replace("$S", tenant.schema()));
            }
            return null;
        });
    }

    private String col(String table, UUID id, String column) {
        return db.withConnection(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + column + "::text FROM "
                    + tenant.schema() + "." + table + " WHERE id = '" + id + "'")) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }
}

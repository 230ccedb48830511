package io.posduif.functions.sync;

import io.micronaut.http.HttpStatus;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Db;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.schema.SyncMode;
import io.posduif.functions.schema.TableDef;
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

import static io.posduif.functions.sync.PullServesScopeRemovalsAndPagesTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Written from the side of a device that tries to write what it must not. */
@MicronautTest
class PushPermissionsAndBadRequestsTest extends StackTest {

    static final String TS = "2024-01-15T10:00:00.000Z";

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
    Fixtures.User me;
    Fixtures.User other;
    Fixtures.Device device;

    @BeforeAll
    void setUp() {
        sync = new SyncHttp(http, json);
        tenant = fixtures.newTenant("perm");
        List<ColumnDef> cols = List.of(new ColumnDef("id", ColumnType.UUID, false, null, true, false),
                new ColumnDef("body", ColumnType.TEXT, true, null, false, false));
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW),
                new TableDef("directory", SyncMode.MOBILE_SYNCED, ConflictPolicy.LWW, null, cols, List.of("id"), List.of(), false),
                new TableDef("audit", SyncMode.WEB_ONLY, ConflictPolicy.LWW, null, cols, List.of("id"), List.of(), true),
                new TableDef("drafts", SyncMode.MOBILE_ONLY, ConflictPolicy.LWW, null, cols, List.of("id"), List.of(), true)));
        me = fixtures.mobileUser(tenant);
        other = fixtures.mobileUser(tenant);
        device = fixtures.device(tenant, me.id());
    }

    Map<String, Object> mine(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("owner", me.id().toString());
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void eachForbiddenWriteIsRejectedWithItsCodeAndTheRestOfTheBatchApplies() {
        UUID othersRow = UUID.randomUUID();
        sql("INSERT INTO $S.notes (id, owner, body, secret) VALUES ('" + othersRow + "', '" + other.id() + "', 'theirs', 's')");
        UUID myRow = UUID.randomUUID();
        sql("INSERT INTO $S.notes (id, owner, body, secret) VALUES ('" + myRow + "', '" + me.id() + "', 'mine', 'server value')");
        UUID good = UUID.randomUUID();

        Map<String, Object> badPk = SyncHttp.upsert("notes", UUID.randomUUID(), mine("body", "x"), TS);
        ((Map<String, Object>) badPk.get("data")).put("id", UUID.randomUUID().toString());
        Map<String, Object> noPk = SyncHttp.upsert("notes", UUID.randomUUID(), mine(), TS);
        noPk.put("pk", Map.of("other", "x"));

        List<Map<String, Object>> results = sync.push(device,
                SyncHttp.upsert("audit", UUID.randomUUID(), Map.of("body", "x"), TS),
                SyncHttp.upsert("drafts", UUID.randomUUID(), Map.of("body", "x"), TS),
                SyncHttp.upsert("directory", UUID.randomUUID(), Map.of("body", "x"), TS),
                SyncHttp.upsert("nope", UUID.randomUUID(), Map.of("body", "x"), TS),
                SyncHttp.upsert("notes", UUID.randomUUID(), mine("color", "red"), TS),
                SyncHttp.upsert("notes", UUID.randomUUID(), mine("n", "seven"), TS),
                SyncHttp.upsert("notes", UUID.randomUUID(), mine("at", "yesterday"), TS),
                SyncHttp.upsert("notes", myRow, mine("secret", "stolen"), TS),
                SyncHttp.upsert("notes", othersRow, mine("body", "hijacked"), TS),
                SyncHttp.upsert("notes", myRow, Map.of("owner", other.id().toString(), "body", "given away"), "2030-01-01T00:00:00.000Z"),
                SyncHttp.upsert("notes", UUID.randomUUID(), Map.of("owner", other.id().toString(), "body", "planted"), TS),
                SyncHttp.delete("notes", othersRow, "2030-01-01T00:00:00.000Z"),
                badPk,
                noPk,
                SyncHttp.upsert("notes", good, mine("body", "fine", "secret", null), TS));
        List<String> codes = new ArrayList<>();
        for (Map<String, Object> r : results) {
            codes.add(r.get("status").equals("rejected") ? (String) r.get("code") : (String) r.get("status"));
        }
        assertEquals(List.of("TABLE_NOT_SYNCED", "TABLE_NOT_SYNCED", "TABLE_READ_ONLY", "UNKNOWN_TABLE", "UNKNOWN_COLUMN",
                "INVALID_VALUE", "INVALID_VALUE", "SERVER_OWNED_COLUMN", "OUT_OF_SCOPE", "OUT_OF_SCOPE", "OUT_OF_SCOPE",
                "OUT_OF_SCOPE", "PK_MISMATCH", "PK_MISMATCH", "applied"), codes);
        assertEquals("theirs", value("SELECT body FROM $S.notes WHERE id = '" + othersRow + "'"));
        assertEquals("mine", value("SELECT body FROM $S.notes WHERE id = '" + myRow + "'"));
        assertEquals("server value", value("SELECT secret FROM $S.notes WHERE id = '" + myRow + "'"));
        assertEquals("fine", value("SELECT body FROM $S.notes WHERE id = '" + good + "'"));
        assertEquals("0", value("SELECT count(*) FROM $S.notes WHERE body = 'planted'"));
    }

    @Test
    void malformedBatchesAre4xxAndApplyNothing() throws Exception {
        UUID id = UUID.randomUUID();
        Map<String, Object> fine = SyncHttp.upsert("notes", id, mine("body", "should not land"), TS);
        Map<String, Object> unknownOp = SyncHttp.upsert("notes", UUID.randomUUID(), mine(), TS);
        unknownOp.put("op", "merge");
        Map<String, Object> badTs = SyncHttp.upsert("notes", UUID.randomUUID(), mine(), TS);
        badTs.put("client_ts", 12345);
        Map<String, Object> badData = SyncHttp.upsert("notes", UUID.randomUUID(), mine(), TS);
        badData.put("data", List.of(1, 2));

        assertError(() -> sync.pushRaw(device, "{not json"), HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST");
        assertError(() -> sync.pushRaw(device, "[]"), HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST");
        assertError(() -> sync.pushRaw(device, Map.of("ops", "all of them")), HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST");
        assertError(() -> sync.push(device, fine, unknownOp), HttpStatus.BAD_REQUEST, "VALIDATION_ERROR");
        assertError(() -> sync.push(device, fine, badTs), HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST");
        assertError(() -> sync.push(device, fine, badData), HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST");
        assertError(() -> sync.push(device, fine, fine), HttpStatus.BAD_REQUEST, "VALIDATION_ERROR");
        // PostgreSQL text cannot hold U+0000: refused up front, not a 500 from the ledger insert
        Map<String, Object> nulOpId = SyncHttp.upsert("notes", UUID.randomUUID(), mine(), TS);
        nulOpId.put("op_id", "op\u0000id");
        assertError(() -> sync.push(device, fine, nulOpId), HttpStatus.BAD_REQUEST, "VALIDATION_ERROR");
        // a lone surrogate fits in JSON (as a \\u escape) but not in UTF-8: the ledger would record, and order
        // against the device's op mark, "?" instead; refused up front
        Map<String, Object> loneOpId = SyncHttp.upsert("notes", UUID.randomUUID(), mine(), TS);
        loneOpId.put("op_id", "op-LONE-id");
        String lone = json.writeValueAsString(Map.of("ops", List.of(fine, loneOpId))).replace("op-LONE-id", "op-\\ud800-id");
        assertError(() -> sync.pushRaw(device, lone), HttpStatus.BAD_REQUEST, "VALIDATION_ERROR");
        List<Map<String, Object>> tooMany = new ArrayList<>();
        for (int i = 0; i < 501; i++) {
            tooMany.add(SyncHttp.upsert("notes", UUID.randomUUID(), mine(), TS));
        }
        tooMany.set(0, fine);
        assertError(() -> sync.push(device, tooMany.toArray(Map[]::new)), HttpStatus.BAD_REQUEST, "VALIDATION_ERROR");
        assertEquals("0", value("SELECT count(*) FROM $S.notes WHERE id = '" + id + "'"));
        assertEquals("0", value("SELECT count(*) FROM $S.posduif_ops WHERE op_id = '" + fine.get("op_id") + "'"),
                "a refused batch leaves no ledger entry, so the device can fix and resend it");
        // and a web token cannot push at all
        Fixtures.User web = fixtures.webUser(tenant);
        assertError(() -> sync.pushRaw(new Fixtures.Device(tenant, web.id(), "x", web.token()), Map.of("ops", List.of(fine))),
                HttpStatus.UNAUTHORIZED, "WRONG_TOKEN_TYPE");
    }

    /** U+0000 fits in JSON and Java strings but not in PostgreSQL text or jsonb: that op is rejected, the rest applies. */
    @Test
    void aValueWithTheNulCharacterIsRejectedAndTheRestOfTheBatchApplies() {
        UUID bad = UUID.randomUUID();
        UUID good = UUID.randomUUID();
        List<Map<String, Object>> results = sync.push(device,
                SyncHttp.upsert("notes", bad, mine("body", "a\u0000b"), TS),
                SyncHttp.upsert("notes", good, mine("body", "fine"), TS),
                SyncHttp.upsert("no\u0000tes", UUID.randomUUID(), mine(), TS));
        assertEquals("rejected", results.get(0).get("status"), results.toString());
        assertEquals("INVALID_VALUE", results.get(0).get("code"), results.toString());
        assertEquals("applied", results.get(1).get("status"), results.toString());
        assertEquals("UNKNOWN_TABLE", results.get(2).get("code"), "the name is quoted in the message and the ledger: " + results);
        assertEquals("0", value("SELECT count(*) FROM $S.notes WHERE id = '" + bad + "'"));
        assertEquals("fine", value("SELECT body FROM $S.notes WHERE id = '" + good + "'"));
    }

    /**
     * A surrogate without its pair fits in JSON ({@code "\ud800"}) and Java strings but not in
     * UTF-8: the driver would send {@code ?} in its place and the row would hold other text than
     * the device wrote. That op is rejected, the rest applies.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aValueWithALoneSurrogateIsRejectedAndTheRestOfTheBatchApplies() throws Exception {
        UUID bad = UUID.randomUUID();
        UUID good = UUID.randomUUID();
        // as JSON escapes, the way a client sends them (a Java string holding one is encoded as '?')
        String body = json.writeValueAsString(Map.of("ops", List.of(
                        SyncHttp.upsert("notes", bad, mine("body", "a LONE-VALUE b"), TS),
                        SyncHttp.upsert("notes", good, mine("body", "pair \uD83D\uDE00 fine"), TS))))
                .replace("LONE-VALUE", "\\ud800");
        List<Map<String, Object>> results = (List<Map<String, Object>>) sync.pushRaw(device, body).get("results");
        assertEquals("rejected", results.get(0).get("status"), results.toString());
        assertEquals("INVALID_VALUE", results.get(0).get("code"), results.toString());
        assertEquals("applied", results.get(1).get("status"), results.toString());
        assertEquals("0", value("SELECT count(*) FROM $S.notes WHERE id = '" + bad + "'"));
        assertEquals("pair \uD83D\uDE00 fine", value("SELECT body FROM $S.notes WHERE id = '" + good + "'"));

        // in a key the JSON reader itself refuses it: the batch is not read at all
        Map<String, Object> data = new java.util.HashMap<>(mine("body", "x"));
        data.put("LONE-KEY", "a key");
        Map<String, Object> keyed = SyncHttp.upsert("notes", UUID.randomUUID(), mine("body", "x"), TS);
        keyed.put("data", data);
        String keyBody = json.writeValueAsString(Map.of("ops", List.of(keyed))).replace("LONE-KEY", "\\udc00");
        assertError(() -> sync.pushRaw(device, keyBody), HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST");
        assertEquals("0", value("SELECT count(*) FROM $S.posduif_ops WHERE op_id = '" + keyed.get("op_id") + "'"));
    }

    private void sql(String statement) {
        db.withConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute(statement.replace("$S", tenant.schema()));
            }
            return null;
        });
    }

    private String value(String query) {
        return db.withConnection(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query.replace("$S", tenant.schema()))) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }
}

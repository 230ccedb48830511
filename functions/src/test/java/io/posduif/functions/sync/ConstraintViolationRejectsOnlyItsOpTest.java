package io.posduif.functions.sync;

import io.micronaut.context.annotation.Property;
import io.micronaut.context.annotation.Requires;
import io.micronaut.runtime.event.annotation.EventListener;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row that breaks a constraint of its table (a unique index, a check) is the device's data
 * problem: only the ops that wrote that row are rejected with {@code CONSTRAINT_VIOLATION}, the
 * row stays as it was (no change-log entry, no clock), every other op of the batch applies, and
 * the ledger keeps the rejection for replays.
 */
@MicronautTest
@Property(name = "spec.name", value = "ConstraintViolationRejectsOnlyItsOpTest")
class ConstraintViolationRejectsOnlyItsOpTest extends StackTest {

    /** What pushes announce after commit (ChangesPushed): rejected rows must not be among them. */
    @jakarta.inject.Singleton
    @Requires(property = "spec.name", value = "ConstraintViolationRejectsOnlyItsOpTest")
    static class Announced {
        final java.util.List<ChangesPushed> events = new java.util.concurrent.CopyOnWriteArrayList<>();

        @EventListener
        void on(ChangesPushed e) {
            events.add(e);
        }
    }

    @Inject
    Announced announced;

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

    static final String TS = "2024-01-15T10:35:00.000Z";
    static final String LATER = "2024-01-15T10:36:00.000Z";

    @BeforeAll
    void setUp() {
        sync = new SyncHttp(http, json);
        tenant = fixtures.newTenant("cons");
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        sql("CREATE UNIQUE INDEX notes_body_unique ON " + tenant.schema() + ".notes (body)");
        sql("ALTER TABLE " + tenant.schema() + ".notes ADD CONSTRAINT notes_n_positive CHECK (n IS NULL OR n >= 0)");
        user = fixtures.mobileUser(tenant);
        device = fixtures.device(tenant, user.id());
    }

    @Test
    void onlyTheOffendingOpsAreRejectedAndReplaysRememberIt() {
        String owner = user.id().toString();
        UUID taken = UUID.randomUUID();
        UUID edited = UUID.randomUUID();
        UUID gone = UUID.randomUUID();
        assertEquals("applied", sync.push(device, SyncHttp.upsert("notes", taken, Map.of("owner", owner, "body", "taken"), TS),
                SyncHttp.upsert("notes", edited, Map.of("owner", owner, "body", "edited v1", "n", 1), TS),
                SyncHttp.upsert("notes", gone, Map.of("owner", owner, "body", "gone"), TS)).get(1).get("status"));

        UUID dup = UUID.randomUUID();
        UUID fresh = UUID.randomUUID();
        UUID twice = UUID.randomUUID();
        Map<String, Object> duplicateBody = SyncHttp.upsert("notes", dup, Map.of("owner", owner, "body", "taken"), LATER);
        Map<String, Object> freshRow = SyncHttp.upsert("notes", fresh, Map.of("owner", owner, "body", "fresh"), LATER);
        Map<String, Object> negative = SyncHttp.upsert("notes", edited, Map.of("owner", owner, "body", "edited v2", "n", -5), LATER);
        // two ops on one row: the first is fine alone, the second breaks the check, so both go
        Map<String, Object> twiceOk = SyncHttp.upsert("notes", twice, Map.of("owner", owner, "body", "twice", "n", 2), LATER);
        Map<String, Object> twiceBad = SyncHttp.upsert("notes", twice, Map.of("owner", owner, "body", "twice", "n", -2),
                "2024-01-15T10:37:00.000Z");
        Map<String, Object> delete = SyncHttp.delete("notes", gone, LATER);
        Map<?, ?>[] batch = {duplicateBody, freshRow, negative, twiceOk, twiceBad, delete};

        announced.events.clear();
        List<Map<String, Object>> results = sync.push(device, batch);
        assertRejected(results.get(0), "notes_body_unique");
        assertEquals("applied", results.get(1).get("status"));
        assertRejected(results.get(2), "notes_n_positive");
        assertRejected(results.get(3), "notes_n_positive");
        assertRejected(results.get(4), "notes_n_positive");
        assertEquals("applied", results.get(5).get("status"));

        // nothing half-applied: the rejected rows are as before, the others written and captured
        assertNull(one("SELECT body FROM " + tenant.schema() + ".notes WHERE id = '" + dup + "'"));
        assertNull(one("SELECT body FROM " + tenant.schema() + ".notes WHERE id = '" + twice + "'"));
        assertEquals("edited v1", one("SELECT body FROM " + tenant.schema() + ".notes WHERE id = '" + edited + "'"));
        assertEquals("fresh", one("SELECT body FROM " + tenant.schema() + ".notes WHERE id = '" + fresh + "'"));
        assertNull(one("SELECT body FROM " + tenant.schema() + ".notes WHERE id = '" + gone + "'"), "the delete applied");
        assertEquals("0", one("SELECT count(*) FROM " + tenant.schema() + ".posduif_changes WHERE pk->>'id' IN ('" + dup + "', '" + twice + "')"));
        assertEquals("1", one("SELECT count(*) FROM " + tenant.schema() + ".posduif_changes WHERE pk->>'id' = '" + fresh + "' AND NOT deleted"));
        assertEquals("1", one("SELECT count(*) FROM " + tenant.schema() + ".posduif_changes WHERE pk->>'id' = '" + gone + "' AND deleted"));
        assertEquals(TS, one("SELECT to_char(to_timestamp((clock::jsonb->>0)::bigint / 1e6) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM "
                + tenant.schema() + ".posduif_changes WHERE pk->>'id' = '" + edited + "'"), "the rejected op left the row's clock alone");

        // only written rows are announced to the features that react to device writes
        assertEquals(1, announced.events.size());
        assertEquals(List.of(fresh.toString()), announced.events.get(0).upserted().get("notes").stream()
                .map(r -> String.valueOf(r.get("id"))).toList(), "the rows of rejected ops are not announced");

        // push announces its commit itself: nothing queued for the relay's out-of-band publisher
        assertEquals("0", one("SELECT count(*) FROM " + tenant.schema() + ".posduif_realtime_pending"));

        // a replay applies nothing and answers what the first delivery decided
        List<Map<String, Object>> replay = sync.push(device, batch);
        for (int i = 0; i < batch.length; i++) {
            assertEquals("duplicate", replay.get(i).get("status"), "op " + i);
            assertEquals(results.get(i).get("status"), replay.get(i).get("original_status"), "op " + i);
            assertEquals(results.get(i).get("code"), replay.get(i).get("code"), "op " + i);
        }
        assertEquals("fresh", one("SELECT body FROM " + tenant.schema() + ".notes WHERE id = '" + fresh + "'"));

        // once the value is free, a new op may take it
        Map<String, Object> release = SyncHttp.delete("notes", taken, LATER);
        Map<String, Object> retry = SyncHttp.upsert("notes", dup, Map.of("owner", owner, "body", "taken"), LATER);
        List<Map<String, Object>> second = sync.push(device, release, retry);
        assertEquals("applied", second.get(0).get("status"));
        assertEquals("applied", second.get(1).get("status"));
        assertEquals("taken", one("SELECT body FROM " + tenant.schema() + ".notes WHERE id = '" + dup + "'"));
    }

    private static void assertRejected(Map<String, Object> r, String constraint) {
        assertEquals("rejected", r.get("status"), r.toString());
        assertEquals("CONSTRAINT_VIOLATION", r.get("code"), r.toString());
        assertTrue(String.valueOf(r.get("message")).contains(constraint), r.toString());
    }

    private void sql(String sql) {
        db.withConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
            return null;
        });
    }

    private String one(String sql) {
        return db.withConnection(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }
}

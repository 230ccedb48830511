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
import org.junit.jupiter.api.Test;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A push's statements are probes by key, planned by the driver's prepared statements once per
 * pooled connection and then kept: a plan made while the log was small must not become a
 * sequential scan of it later (a tuning variant did: 17 s per push once the log had grown). So
 * every statement of a push transaction, the capture it fires included, runs with sequential
 * scans disabled, and the setting ends with the transaction instead of leaking into the pool.
 */
@MicronautTest
class PushPlansNoSequentialScansTest extends StackTest {

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

    @Test
    void everyStatementOfAPushRunsWithSequentialScansOffAndThePoolGetsItsConnectionsBackClean() {
        TenantId tenant = fixtures.newTenant("noseq");
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        Fixtures.User user = fixtures.mobileUser(tenant);
        Fixtures.Device device = fixtures.device(tenant, user.id());
        String s = tenant.schema();
        // what the planner was told while the push's writes ran
        sql("CREATE TABLE " + s + ".seen (setting text)");
        sql("CREATE FUNCTION " + s + ".note_setting() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "INSERT INTO " + s + ".seen VALUES (current_setting('enable_seqscan')); RETURN NULL; END $$");
        sql("CREATE TRIGGER note_setting AFTER INSERT ON " + s + ".notes FOR EACH STATEMENT EXECUTE FUNCTION " + s + ".note_setting()");

        SyncHttp sync = new SyncHttp(http, json);
        assertEquals("applied", sync.push(device, SyncHttp.upsert("notes", UUID.randomUUID(),
                Map.of("owner", user.id().toString(), "body", "x"), "2024-01-15T10:00:00.000Z")).get(0).get("status"));

        assertEquals(List.of("off"), strings("SELECT setting FROM " + s + ".seen"));
        List<String> pool = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pool.addAll(strings("SHOW enable_seqscan"));
        }
        assertEquals(List.of("on"), pool.stream().distinct().toList(), "the guard is local to the push's transaction");
    }

    private void sql(String statement) {
        db.withConnection(c -> {
            try (Statement st = c.createStatement()) {
                st.execute(statement);
            }
            return null;
        });
    }

    private List<String> strings(String query) {
        return db.withConnection(c -> {
            List<String> out = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }
}

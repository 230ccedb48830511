package io.posduif.functions.schema;

import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.sync.PullService;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Change-log entries carry the buckets and the wire form of their row as of the write. A schema
 * apply that changes either must re-record the table's rows, or devices keep receiving what the
 * old rule routed and the old shape: a filter change must move rows between devices (additions
 * and removals), a new column must reach rows written before it, and a web-only table that
 * becomes mobile-synced must deliver the rows it already had.
 */
@MicronautTest
class SchemaChangesReRecordRowsForDevicesTest extends StackTest {

    static final String V1 = """
            tables:
              tasks:
                sync: mobile-synced
                filter: owner_id = :user_id
                columns:
                  id: { type: uuid, primary_key: true }
                  owner_id: { type: uuid, nullable: false }
                  assignee_id: { type: uuid, nullable: false }
                  title: { type: text }
              board:
                sync: web-only
                columns:
                  id: { type: integer, primary_key: true }
                  label: { type: text }
            """;

    /** Filter now by assignee, a new column with a default, and the board reaches devices. */
    static final String V2 = """
            tables:
              tasks:
                sync: mobile-synced
                filter: assignee_id = :user_id
                columns:
                  id: { type: uuid, primary_key: true }
                  owner_id: { type: uuid, nullable: false }
                  assignee_id: { type: uuid, nullable: false }
                  title: { type: text }
                  done: { type: boolean, nullable: false, default: false }
              board:
                sync: mobile-synced
                columns:
                  id: { type: integer, primary_key: true }
                  label: { type: text }
            """;

    /** Only the conflict policy changes: entries stay valid, nothing is re-recorded. */
    static final String V3 = V2.replace("    sync: mobile-synced\n    filter: assignee_id", "    sync: mobile-synced\n    conflict: server-wins\n    filter: assignee_id");

    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;
    @Inject
    PullService pull;
    @Inject
    Db db;
    @Inject
    JsonMapper json;

    @Test
    void filterColumnAndSyncModeChangesReachDevicesAsAdditionsAndRemovals() throws Exception {
        TenantId t = fixtures.newTenant("recap");
        applier.apply(t, SchemaParser.parse("v1.yaml", V1), false, "test");
        Fixtures.User a = fixtures.mobileUser(t);
        Fixtures.User b = fixtures.mobileUser(t);
        Caller devA = device(t, a);
        Caller devB = device(t, b);
        UUID t1 = UUID.randomUUID();
        UUID t2 = UUID.randomUUID();
        sql("INSERT INTO " + t.schema() + ".tasks (id, owner_id, assignee_id, title) VALUES ('" + t1 + "', '" + a.id() + "', '"
                + b.id() + "', 'a asks b'), ('" + t2 + "', '" + b.id() + "', '" + a.id() + "', 'b asks a')");
        sql("INSERT INTO " + t.schema() + ".board (id, label) VALUES (1, 'sprint')");

        Replica ra = new Replica(devA);
        Replica rb = new Replica(devB);
        ra.pullAll();
        rb.pullAll();
        assertEquals(Set.of("tasks/" + t1), ra.rows.keySet(), "v1: owners see their own tasks, web-only tables never");
        assertEquals(Set.of("tasks/" + t2), rb.rows.keySet());

        SchemaApplier.Result v2 = applier.apply(t, SchemaParser.parse("v2.yaml", V2), false, "test");
        List<String> recaptures = v2.steps().stream().filter(s -> s.kind().equals("recapture")).map(s -> s.table() + ": " + s.description()).toList();
        assertEquals(2, recaptures.size(), recaptures.toString());
        assertTrue(recaptures.stream().anyMatch(s -> s.startsWith("tasks") && s.contains("filter changed")), recaptures.toString());
        assertTrue(recaptures.stream().anyMatch(s -> s.startsWith("board") && s.contains("becomes mobile-synced")), recaptures.toString());

        ra.pullAll();
        rb.pullAll();
        assertEquals(Set.of("tasks/" + t2, "board/1"), ra.rows.keySet(), "v2: a now holds what is assigned to a, and the board");
        assertEquals(Set.of("tasks/" + t1, "board/1"), rb.rows.keySet());
        assertEquals(1, ra.removals, "a was told its old task left its scope");
        assertEquals(1, rb.removals);
        assertEquals(Boolean.FALSE, ra.rows.get("tasks/" + t2).get("done"), "rows written before the column carry it");
        assertEquals("sprint", ra.rows.get("board/1").get("label"));

        SchemaApplier.Result v3 = applier.apply(t, SchemaParser.parse("v3.yaml", V3), false, "test");
        assertTrue(v3.applied());
        assertTrue(v3.steps().stream().noneMatch(s -> s.kind().equals("recapture")),
                "a policy change leaves entries valid: " + v3.steps());
        int before = ra.received;
        ra.pullAll();
        assertEquals(before, ra.received, "nothing re-sent when entries stay valid");
    }

    private Caller device(TenantId t, Fixtures.User u) {
        Fixtures.Device d = fixtures.device(t, u.id());
        return new Caller(t, Caller.Kind.DEVICE, u.id(), d.deviceId(), Set.of("device"));
    }

    private void sql(String statement) {
        db.withConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute(statement);
            }
            return null;
        });
    }

    /** What a device holds after applying its pulls. */
    final class Replica {
        final Caller device;
        final Map<String, Map<String, Object>> rows = new HashMap<>();
        String cursor = "0";
        int removals;
        int received;

        Replica(Caller device) {
            this.device = device;
        }

        @SuppressWarnings("unchecked")
        void pullAll() throws IOException {
            PullService.Page p;
            do {
                p = pull.pull(device, cursor, 100);
                Map<String, Object> body = json.readValue(p.body(), Map.class);
                for (Map<String, Object> ch : (List<Map<String, Object>>) body.get("changes")) {
                    received++;
                    String key = ch.get("table") + "/" + ((Map<String, Object>) ch.get("pk")).get("id");
                    if ("upsert".equals(ch.get("op"))) {
                        rows.put(key, (Map<String, Object>) ch.get("data"));
                    } else if (rows.remove(key) != null) {
                        removals++;
                    }
                }
                cursor = (String) body.get("cursor");
            } while (p.hasMore());
        }
    }
}

package io.posduif.functions.schema;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.sync.CaptureTriggers;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class SchemaApplyPlansMigratesAndRecordsVersionsTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;
    @Inject
    SchemaRegistry registry;

    static final String V1 = """
            tables:
              notes:
                sync: mobile-synced
                filter: owner_id = :user_id
                columns:
                  id: { type: uuid, primary_key: true }
                  owner_id: { type: uuid, nullable: false }
                  body: { type: text }
              archive:
                sync: web-only
                columns:
                  id: { type: integer, primary_key: true }
                  label: { type: text }
              scratch:
                sync: mobile-only
                columns:
                  id: { type: uuid, primary_key: true }
            """;

    @Test
    void demoFileAppliesOnceThenIsANoOp() throws Exception {
        TenantId t = fixtures.newTenant("sapply");
        SchemaDefinition def = SchemaParser.parse("demo.yaml", Files.readString(Path.of("../infra/tenants/demo.yaml")));
        SchemaApplier.Result plan = applier.plan(t, def);
        assertTrue(plan.changed());
        assertFalse(plan.applied());
        assertEquals(0, count(t, "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + t.schema() + "' AND table_name = 'messages'"),
                "a plan changes nothing");
        SchemaApplier.Result first = applier.apply(t, def, false, "test");
        assertEquals(1, first.version());
        assertTrue(first.applied());
        SchemaApplier.Result again = applier.apply(t, SchemaParser.parse("demo.yaml", Files.readString(Path.of("../infra/tenants/demo.yaml"))), false, "test");
        assertFalse(again.changed());
        assertEquals(1, again.version());
        assertEquals(1, count(t, "SELECT count(*) FROM " + t.schema() + ".posduif_schema_versions"));
        assertEquals(1, registry.current(t).version());
        assertEquals(def.checksum(), registry.current(t).checksum());
        // server tables exist, mobile-only tables don't; synced tables have capture triggers, web-only don't
        for (String table : List.of("users", "messages", "notes", "tasks", "inventory_counts", "audit_log")) {
            assertEquals(1, count(t, "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + t.schema() + "' AND table_name = '" + table + "'"), table);
        }
        assertEquals(0, count(t, "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + t.schema() + "' AND table_name = 'drafts'"));
        // statement-level capture: an insert, an update and a delete trigger per synced table
        assertEquals(5 * 3, count(t, "SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = '" + t.schema() + "' AND g.tgname LIKE 'posduif\\_capture\\_%' AND (g.tgtype & 1) = 0"));
        String plan1 = string(t, "SELECT plan::text FROM " + t.schema() + ".posduif_schema_versions WHERE version = 1");
        assertTrue(plan1.contains("create_table"), plan1);
        assertTrue(string(t, "SELECT checksum FROM " + t.schema() + ".posduif_schema_versions").startsWith("sha256:"));
        // devices are told through the tenant's stream (relay sends schema_changed)
        try (io.lettuce.core.RedisClient rc = io.lettuce.core.RedisClient.create(stack().redisUrl());
             var conn = rc.connect()) {
            long deadline = System.currentTimeMillis() + 5000;
            boolean seen = false;
            while (!seen && System.currentTimeMillis() < deadline) {
                seen = conn.sync().xrange(io.posduif.protocol.RealtimeStream.key(t.value()), io.lettuce.core.Range.create("-", "+")).stream()
                        .anyMatch(m -> "schema_changed".equals(m.getBody().get(io.posduif.protocol.RealtimeStream.FIELD_TYPE)));
                Thread.sleep(50);
            }
            assertTrue(seen, "schema_changed published once");
        }
    }

    @Test
    void additiveChangesApplyAndDestructiveOnesNeedTheFlag() throws Exception {
        TenantId t = fixtures.newTenant("sdiff");
        applier.apply(t, SchemaParser.parse("v1.yaml", V1), false, "test");
        exec(t, "INSERT INTO " + t.schema() + ".archive (id, label) VALUES (1, 'kept')");

        String v2 = V1.replace("      label: { type: text }\n", "      label: { type: text }\n      note: { type: text }\n      size: { type: integer, nullable: false, default: 7 }\n    indexes:\n      - { name: archive_label, columns: [label] }\n");
        SchemaApplier.Result r2 = applier.apply(t, SchemaParser.parse("v2.yaml", v2), false, "test");
        assertEquals(2, r2.version());
        assertFalse(r2.destructive());
        assertEquals(List.of("add_column", "add_column", "create_index", "install_capture"), r2.steps().stream().map(SchemaPlanner.PlanStep::kind).toList());
        assertEquals(7, count(t, "SELECT size FROM " + t.schema() + ".archive WHERE id = 1"), "existing rows get the default");

        // drop column, type change, NOT NULL without default: refused, nothing changes
        String v3 = v2.replace("      note: { type: text }\n", "").replace("label: { type: text }", "label: { type: integer }")
                + "              extra: { type: text, nullable: false }\n".replace("              ", "      ");
        // extra column goes to scratch (mobile-only, no server change); add a NOT NULL one to archive too
        String v3b = v3.replace("      size: {", "      must: { type: text, nullable: false }\n      size: {");
        ApiException refused = assertThrows(ApiException.class, () -> applier.apply(t, SchemaParser.parse("v3.yaml", v3b), false, "test"));
        assertEquals(ErrorCode.DESTRUCTIVE_CHANGE, refused.code());
        assertEquals(2, registry.current(t).version());
        assertEquals(1, count(t, "SELECT count(*) FROM information_schema.columns WHERE table_schema = '" + t.schema() + "' AND table_name = 'archive' AND column_name = 'note'"));
        SchemaApplier.Result dry = applier.plan(t, SchemaParser.parse("v3.yaml", v3b));
        assertTrue(dry.destructive());
        List<String> kinds = dry.steps().stream().filter(SchemaPlanner.PlanStep::destructive).map(SchemaPlanner.PlanStep::kind).toList();
        assertTrue(kinds.containsAll(List.of("drop_column", "alter_column_type", "add_column")), kinds.toString());

        // allowed, but PostgreSQL refuses NOT NULL without default over an existing row: 400, still nothing changed
        ApiException pgRefused = assertThrows(ApiException.class, () -> applier.apply(t, SchemaParser.parse("v3.yaml", v3b), true, "test"));
        assertEquals(ErrorCode.VALIDATION_ERROR, pgRefused.code());
        assertEquals(2, registry.current(t).version());

        exec(t, "UPDATE " + t.schema() + ".archive SET label = '42'");
        String v3c = v3b.replace("      must: { type: text, nullable: false }\n", "");
        SchemaApplier.Result r3 = applier.apply(t, SchemaParser.parse("v3.yaml", v3c), true, "test");
        assertEquals(3, r3.version());
        assertEquals(42, count(t, "SELECT label FROM " + t.schema() + ".archive WHERE id = 1"));
        assertEquals(0, count(t, "SELECT count(*) FROM information_schema.columns WHERE table_schema = '" + t.schema() + "' AND table_name = 'archive' AND column_name = 'note'"));
    }

    @Test
    void tablesThatStopBeingSyncedLoseTheirTrigger() throws Exception {
        TenantId t = fixtures.newTenant("strig");
        applier.apply(t, SchemaParser.parse("v1.yaml", V1), false, "test");
        assertEquals(3, triggers(t, "notes"));
        String v2 = V1.replace("    sync: mobile-synced\n    filter: owner_id = :user_id\n", "    sync: web-only\n");
        applier.apply(t, SchemaParser.parse("v2.yaml", v2), false, "test");
        assertEquals(0, triggers(t, "notes"));
        assertEquals(0, count(t, "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = '"
                + t.schema() + "' AND p.proname = '" + CaptureTriggers.functionName("notes") + "'"));
        applier.apply(t, SchemaParser.parse("v1.yaml", V1), false, "test");
        assertEquals(3, triggers(t, "notes"));
        assertEquals(3, registry.current(t).version());
    }

    private int triggers(TenantId t, String table) throws SQLException {
        return count(t, "SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = '" + t.schema() + "' AND c.relname = '" + table + "' AND g.tgname LIKE 'posduif\\_capture%'");
    }

    static int count(TenantId t, String sql) throws SQLException {
        try (Connection c = stack().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static String string(TenantId t, String sql) throws SQLException {
        try (Connection c = stack().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void exec(TenantId t, String sql) throws SQLException {
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static List<String> strings(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = stack().connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}

package io.posduif.functions.sync;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tenant whose synced tables still carry the per-row capture trigger of earlier versions gets
 * the statement-level triggers at start-up, and capture keeps working across the switch.
 */
@MicronautTest
class ExistingTenantsGetStatementCaptureTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;
    @Inject
    CaptureUpgrade upgrade;

    @Test
    void perRowTriggersAreReplacedAndCaptureContinues() throws Exception {
        TenantId t = fixtures.newTenant("capup");
        var def = SchemaParser.parse("demo.yaml", Files.readString(Path.of("../infra/tenants/demo.yaml")));
        applier.apply(t, def, false, "test");
        int synced = 0;
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            for (TableDef table : def.tables()) {
                if (!table.isSynced()) {
                    continue;
                }
                synced++;
                for (String sql : CaptureTriggers.dropSql(t, table.name(), true)) {
                    s.execute(sql);
                }
                for (String sql : LegacyRowCapture.installSql(t, table)) {
                    s.execute(sql);
                }
            }
            s.execute("INSERT INTO " + t.schema() + ".notes (id, owner_id, title) VALUES ('00000000-0000-0000-0000-000000000001', "
                    + "'00000000-0000-0000-0000-0000000000aa', 'before')");
        }
        assertEquals(synced, triggers(t, "g.tgname = 'posduif_capture' AND (g.tgtype & 1) = 1"), "per-row triggers in place");

        assertEquals(synced, upgrade.upgrade(t));

        assertEquals(0, triggers(t, "g.tgname = 'posduif_capture'"));
        assertEquals(3 * synced, triggers(t, "g.tgname LIKE 'posduif\\_capture\\_%' AND (g.tgtype & 1) = 0"));
        assertEquals(0, upgrade.upgrade(t), "nothing left to upgrade");
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            s.execute("UPDATE " + t.schema() + ".notes SET title = 'after' WHERE id = '00000000-0000-0000-0000-000000000001'");
            try (ResultSet rs = s.executeQuery("SELECT count(*), min(data::jsonb->>'title') FROM " + t.schema()
                    + ".posduif_changes WHERE tbl = 'notes'")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "one entry per row across the switch");
                assertEquals("after", rs.getString(2));
            }
        }
    }

    private int triggers(TenantId t, String where) throws Exception {
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n "
                     + "ON n.oid = c.relnamespace WHERE n.nspname = '" + t.schema() + "' AND " + where)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}

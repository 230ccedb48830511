package io.posduif.functions.sync;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Db;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tenant upgraded from before V46 has op ledger rows but no op marks. A push takes op ids above
 * a device's mark for new without looking them up, and may record them as one batch row, so a
 * device whose mark were left empty could have an op it pushed before the upgrade applied again.
 * The upgrade gives every device with ledger rows its highest op id (byte order) as its mark,
 * also a device without a sync-state row.
 */
@MicronautTest
class OpMarksOfUpgradedTenantsCoverTheirLedgerTest extends StackTest {

    @Inject
    Db db;

    @Test
    void everyDeviceWithLedgerRowsGetsItsHighestOpIdAsItsMark() throws Exception {
        String schema = "tenant_opmark" + System.nanoTime() % 100_000;
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        TenantFlyway.upTo(db.dataSource(), schema, "45").migrate();
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            // 'Z' sorts below 'a' in byte order, and 'é' (two UTF-8 bytes) above both
            s.execute("INSERT INTO " + schema + ".posduif_op_ledger (device_id, op_id, payload_hash, status) VALUES "
                    + "('dev-1', 'op-a', 'h1', 'applied'), ('dev-1', 'op-Z', 'h2', 'applied'), ('dev-1', 'op-c', 'h3', 'rejected'), "
                    + "('dev-2', 'op-é', 'h4', 'applied'), ('dev-2', 'op-z', 'h5', 'applied')");
            s.execute("INSERT INTO " + schema + ".posduif_sync_devices (device_id, last_push_at) VALUES ('dev-1', now()), ('dev-3', now())");
        }
        TenantFlyway.upTo(db.dataSource(), schema, "latest").migrate();
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            List<String> marks = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT device_id || '=' || coalesce(op_mark, '-') FROM " + schema
                    + ".posduif_sync_devices ORDER BY device_id")) {
                while (rs.next()) {
                    marks.add(rs.getString(1));
                }
            }
            assertEquals(List.of("dev-1=op-c", "dev-2=op-é", "dev-3=-"), marks,
                    "the highest op id of each device's ledger rows; none for a device without any");
            try (ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE status = 'rejected') FROM " + schema + ".posduif_ops")) {
                rs.next();
                assertEquals(5, rs.getInt(1), "the view shows the rows per op");
                assertEquals(1, rs.getInt(2));
            }
            // rows written after the upgrade by an instance that knows no mark (a rolling upgrade) raise it
            s.execute("INSERT INTO " + schema + ".posduif_op_ledger (device_id, op_id, payload_hash, status) VALUES "
                    + "('dev-1', 'op-d', 'h6', 'applied'), ('dev-2', 'op-a', 'h7', 'applied'), ('dev-4', 'op-b', 'h8', 'applied')");
            marks.clear();
            try (ResultSet rs = s.executeQuery("SELECT device_id || '=' || coalesce(op_mark, '-') FROM " + schema
                    + ".posduif_sync_devices ORDER BY device_id")) {
                while (rs.next()) {
                    marks.add(rs.getString(1));
                }
            }
            assertEquals(List.of("dev-1=op-d", "dev-2=op-é", "dev-3=-", "dev-4=op-b"), marks, "raised, never lowered, and set for a new device");
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}

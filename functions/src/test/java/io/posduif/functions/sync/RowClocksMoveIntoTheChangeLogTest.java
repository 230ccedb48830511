package io.posduif.functions.sync;

import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Db;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A tenant upgraded from before V45 keeps its conflict clocks: each row's clock, per-field clocks
 * included, moves from posduif_row_clocks into its change-log entry in the form capture writes
 * ({@code [ts_micros, device, op, {field: [ts_micros, device, op]}]}), to the microsecond.
 */
@MicronautTest
class RowClocksMoveIntoTheChangeLogTest extends StackTest {

    @Inject
    Db db;
    @Inject
    JsonMapper json;

    @Test
    void clocksOfAnUpgradedTenantAreCarriedOverToTheMicrosecond() throws Exception {
        String schema = "tenant_clockmove" + System.nanoTime() % 100_000;
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        TenantFlyway.upTo(db.dataSource(), schema, "44").migrate();
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + schema + ".posduif_changes (seq, tbl, pk, deleted, data, buckets, removed, origin) VALUES "
                    + "(1, 'notes', '{\"id\": \"a\"}', false, '{}', '{notes|*}', '{}', 'dev-1'), "
                    + "(2, 'notes', '{\"id\": \"b\"}', false, '{}', '{notes|*}', '{}', NULL)");
            s.execute("INSERT INTO " + schema + ".posduif_row_clocks (tbl, pk, ts, device_id, op_id, field_clocks) VALUES "
                    + "('notes', '{\"id\": \"a\"}', '2024-01-15 10:00:05.123456+00', 'dev-1', 'op-9', "
                    + "'{\"body\": [1705312801000001, \"dev-2\", \"op-3\"]}')");
        }
        TenantFlyway.upTo(db.dataSource(), schema, "latest").migrate();
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT pk->>'id', clock FROM " + schema + ".posduif_changes ORDER BY seq")) {
                rs.next();
                assertEquals("a", rs.getString(1));
                List<Object> clock = json.readValue(rs.getString(2), io.micronaut.core.type.Argument.listOf(Object.class));
                assertEquals(1705312805123456L, ((Number) clock.get(0)).longValue());
                assertEquals("dev-1", clock.get(1));
                assertEquals("op-9", clock.get(2));
                Map<?, ?> fields = (Map<?, ?>) clock.get(3);
                assertEquals(List.of(1705312801000001L, "dev-2", "op-3"),
                        ((List<?>) fields.get("body")).stream().map(v -> v instanceof Number n ? (Object) n.longValue() : v).toList());
                rs.next();
                assertEquals("b", rs.getString(1));
                assertNull(rs.getString(2), "a web or SQL write has no clock: it counts as made at commit");
            }
            try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + schema + ".posduif_row_clocks') IS NOT NULL")) {
                rs.next();
                assertFalse(rs.getBoolean(1), "the clock table is gone");
            }
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }
}

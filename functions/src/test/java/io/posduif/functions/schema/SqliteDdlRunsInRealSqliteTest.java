package io.posduif.functions.schema;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DDL devices receive is run in real SQLite: every type, defaults, and a migration over existing rows. */
class SqliteDdlRunsInRealSqliteTest {

    static final String V1 = """
            tables:
              everything:
                sync: mobile-synced
                columns:
                  id: { type: uuid, primary_key: true }
                  t: { type: text, default: "it's" }
                  i: { type: integer, nullable: false, default: -7 }
                  r: { type: real, default: 2.5 }
                  b: { type: boolean, nullable: false, default: true }
                  ts: { type: timestamp, nullable: false, default: now }
                  fixed_ts: { type: timestamp, default: "2024-01-15T10:35:00Z" }
                  d: { type: date, default: "2024-02-29" }
                  j: { type: json, default: '{"a": [1, 2]}' }
                  bl: { type: blob }
                  old_note: { type: text }
                indexes:
                  - { name: everything_i, columns: [i, b] }
              keyed:
                sync: mobile-synced
                columns:
                  a: { type: text, primary_key: true }
                  b: { type: integer, primary_key: true }
                  v: { type: text }
              gone:
                sync: mobile-only
                columns:
                  x: { type: text }
              server_side:
                sync: web-only
                columns:
                  id: { type: uuid, primary_key: true }
            """;

    /** N+1: new nullable and defaulted columns, a dropped column, a type change, a new table, index changes. */
    static final String V2 = """
            tables:
              everything:
                sync: mobile-synced
                columns:
                  id: { type: uuid, primary_key: true }
                  t: { type: text, default: "it's" }
                  i: { type: integer, nullable: false, default: -7 }
                  r: { type: real, default: 2.5 }
                  b: { type: boolean, nullable: false, default: true }
                  ts: { type: timestamp, nullable: false, default: now }
                  fixed_ts: { type: timestamp, default: "2024-01-15T10:35:00Z" }
                  d: { type: date, default: "2024-02-29" }
                  j: { type: json, default: '{"a": [1, 2]}' }
                  bl: { type: blob }
                  old_note: { type: text }
                  added: { type: text }
                  added_flag: { type: boolean, nullable: false, default: false }
                indexes:
                  - { name: everything_i, columns: [i] }
                  - { name: everything_added, columns: [added], unique: true }
              keyed:
                sync: mobile-synced
                columns:
                  a: { type: text, primary_key: true }
                  b: { type: integer, primary_key: true }
                  v: { type: integer }
              fresh:
                sync: mobile-only
                columns:
                  id: { type: uuid, primary_key: true }
            """;

    @Test
    void everyTypeAndDefaultWorksInSqlite() throws SQLException {
        TenantSchema v1 = SchemaParser.parse("v1.yaml", V1).atVersion(1);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:")) {
            run(c, SqliteDdl.migrate(TenantSchema.empty(), v1));
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO everything (id) VALUES ('11111111-1111-4111-8111-111111111111')");
                try (ResultSet rs = s.executeQuery("SELECT t, i, r, b, ts, fixed_ts, d, j, bl, typeof(i), typeof(r), typeof(b) FROM everything")) {
                    rs.next();
                    assertEquals("it's", rs.getString(1));
                    assertEquals(-7, rs.getLong(2));
                    assertEquals(2.5, rs.getDouble(3));
                    assertEquals(1, rs.getInt(4));
                    assertTrue(rs.getString(5).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), rs.getString(5));
                    assertEquals("2024-01-15T10:35:00.000Z", rs.getString(6));
                    assertEquals("2024-02-29", rs.getString(7));
                    assertEquals("{\"a\":[1,2]}", rs.getString(8));
                    assertNull(rs.getBytes(9));
                    assertEquals(List.of("integer", "real", "integer"), List.of(rs.getString(10), rs.getString(11), rs.getString(12)));
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE everything SET bl = ?")) {
                    ps.setBytes(1, new byte[]{0, 1, (byte) 0xff});
                    ps.executeUpdate();
                }
                try (ResultSet rs = s.executeQuery("SELECT bl FROM everything")) {
                    rs.next();
                    assertArrayEquals(new byte[]{0, 1, (byte) 0xff}, rs.getBytes(1));
                }
                assertThrows(SQLException.class, () -> s.execute("INSERT INTO everything (id, i) VALUES ('x', NULL)"), "NOT NULL holds");
                s.execute("INSERT INTO keyed (a, b) VALUES ('k', 1)");
                assertThrows(SQLException.class, () -> s.execute("INSERT INTO keyed (a, b) VALUES ('k', 1)"), "composite key holds");
                assertThrows(SQLException.class, () -> s.execute("SELECT * FROM server_side"), "web-only never on devices");
            }
        }
    }

    @Test
    void migrationFromNToNPlusOneKeepsExistingRows() throws SQLException {
        TenantSchema v1 = SchemaParser.parse("v1.yaml", V1).atVersion(1);
        TenantSchema v2 = SchemaParser.parse("v2.yaml", V2).atVersion(2);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:")) {
            run(c, SqliteDdl.migrate(TenantSchema.empty(), v1));
            try (Statement s = c.createStatement()) {
                for (int n = 0; n < 50; n++) {
                    s.execute("INSERT INTO everything (id, t, i, old_note) VALUES ('id-" + n + "', 'row " + n + "', " + n + ", 'note')");
                    s.execute("INSERT INTO keyed (a, b, v) VALUES ('k', " + n + ", '" + (n * 10) + "')");
                }
                s.execute("INSERT INTO gone (x) VALUES ('bye')");
            }
            List<String> migration = SqliteDdl.migrate(v1, v2);
            assertTrue(migration.contains("ALTER TABLE \"everything\" ADD COLUMN \"added\" TEXT"), migration.toString());
            run(c, migration);
            try (Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*), sum(i), min(added_flag), max(added IS NULL), min(old_note) FROM everything")) {
                    rs.next();
                    assertEquals(50, rs.getInt(1));
                    assertEquals(1225, rs.getLong(2));
                    assertEquals(0, rs.getInt(3));
                    assertEquals(1, rs.getInt(4));
                    assertEquals("note", rs.getString(5));
                }
                try (ResultSet rs = s.executeQuery("SELECT count(*), sum(v), typeof(v) FROM keyed")) {
                    rs.next();
                    assertEquals(50, rs.getInt(1));
                    assertEquals(12250, rs.getLong(2));
                    assertEquals("integer", rs.getString(3), "type change rebuilt the table with INTEGER affinity");
                }
                s.execute("INSERT INTO fresh (id) VALUES ('f')");
                assertThrows(SQLException.class, () -> s.execute("SELECT * FROM gone"));
                s.execute("UPDATE everything SET added = 'a' WHERE id = 'id-1'");
                assertThrows(SQLException.class, () -> s.execute("UPDATE everything SET added = 'a' WHERE id = 'id-2'"), "new unique index");
                assertEquals(List.of("everything_added", "everything_i"), indexes(c, "everything"));
                assertThrows(SQLException.class, () -> s.execute("INSERT INTO keyed (a, b) VALUES ('k', 1)"), "key survives the rebuild");
            }
            // a fresh device of version N+1 and a migrated one have the same columns
            try (Connection fresh = DriverManager.getConnection("jdbc:sqlite::memory:")) {
                run(fresh, SqliteDdl.migrate(TenantSchema.empty(), v2));
                for (String table : List.of("everything", "keyed", "fresh")) {
                    assertEquals(columns(fresh, table), columns(c, table), table);
                }
            }
        }
    }

    private static void run(Connection c, List<String> ddl) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : ddl) {
                s.execute(sql);
            }
        }
        c.commit();
        c.setAutoCommit(true);
    }

    private static List<String> columns(Connection c, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(\"" + table + "\")")) {
            while (rs.next()) {
                out.add(rs.getString("name") + " " + rs.getString("type") + " " + rs.getInt("notnull") + " " + rs.getString("dflt_value") + " " + rs.getInt("pk"));
            }
        }
        return out;
    }

    private static List<String> indexes(Connection c, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '" + table + "' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}

package io.posduif.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchemaMigrationKeepsPendingOutboxTest {
    private static final String A = "00000000-0000-4000-8000-00000000000a";
    private static final String B = "00000000-0000-4000-8000-00000000000b";

    @TempDir
    Path dir;

    @Test
    void migratingToV2AddsColumnsAndTablesAndKeepsEveryPendingOp() {
        String url = "jdbc:sqlite:" + dir.resolve("device.db");
        List<String> opIdsBefore;
        try (LocalDatabase db = new LocalDatabase(url)) {
            db.applyInstructions(Schemas.v1());
            db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "first"));
            db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", B, "title", "second"));
            db.write("notes", LocalDatabase.WriteKind.DELETE, Map.of("id", B));
            opIdsBefore = db.outboxBatch(10).stream().map(LocalDatabase.OutboxOp::opId).toList();

            db.applyInstructions(Schemas.v2());

            assertEquals(2, db.schemaVersion());
            assertEquals(opIdsBefore, db.outboxBatch(10).stream().map(LocalDatabase.OutboxOp::opId).toList());
            // The v2 DDL is CREATE TABLE IF NOT EXISTS, a no-op for an existing table: the column came from ALTER.
            assertTrue(db.query("PRAGMA table_info(\"notes\")").stream().anyMatch(c -> "priority".equals(c.get("name"))));
            assertTrue(db.query("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'tags_name'").size() == 1);
            ObjectNode kept = db.rows("notes").get(0);
            assertEquals("first", kept.path("title").asText());
            assertTrue(kept.path("priority").isNull());

            db.write("notes", LocalDatabase.WriteKind.UPDATE, Map.of("id", A, "priority", 5));
            db.write("tags", LocalDatabase.WriteKind.INSERT, Map.of("id", "t1", "name", "work"));
            assertEquals(5, db.outboxSize());
        }
        // Restart: schema, version and outbox come back from the file.
        try (LocalDatabase db = new LocalDatabase(url)) {
            assertEquals(2, db.schemaVersion());
            assertEquals(5, db.outboxSize());
            assertEquals(5, db.rows("notes").get(0).path("priority").asInt());
        }
    }

    @Test
    void serverMigrationStatementsRebuildATableKeepingRowsAndOutbox() {
        try (LocalDatabase db = new LocalDatabase("jdbc:sqlite::memory:")) {
            db.applyInstructions(Schemas.v1());
            db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "kept", "count", 3));
            ObjectNode raw = Schemas.v2().raw().deepCopy();
            ObjectNode migration = raw.putObject("migration");
            migration.put("from_version", 1);
            migration.put("to_version", 2);
            // The server's rebuild (what SQLite needs for e.g. a NOT NULL change): title becomes nullable.
            migration.putArray("sqlite")
                    .add("DROP TABLE IF EXISTS \"posduif_rebuild\"")
                    .add("CREATE TABLE \"posduif_rebuild\" (\"id\" TEXT NOT NULL, \"title\" TEXT, \"done\" INTEGER,"
                            + " \"meta\" TEXT, \"count\" INTEGER, \"priority\" INTEGER, PRIMARY KEY (\"id\"))")
                    .add("INSERT INTO \"posduif_rebuild\" (\"id\", \"title\", \"done\", \"meta\", \"count\")"
                            + " SELECT \"id\", \"title\", \"done\", \"meta\", \"count\" FROM \"notes\"")
                    .add("DROP TABLE \"notes\"")
                    .add("ALTER TABLE \"posduif_rebuild\" RENAME TO \"notes\"");

            db.applyInstructions(AppInstructions.from(raw));

            assertEquals(2, db.schemaVersion());
            assertEquals(1, db.outboxSize());
            assertEquals(3, db.rows("notes").get(0).path("count").asInt());
            assertTrue(db.query("PRAGMA table_info(\"notes\")").stream()
                    .anyMatch(c -> "title".equals(c.get("name")) && ((Number) c.get("notnull")).intValue() == 0), "rebuilt shape");
            db.write("notes", LocalDatabase.WriteKind.UPDATE, Map.of("id", A, "priority", 1));
            assertEquals(2, db.outboxSize());
        }
    }

    @Test
    void reapplyingTheSameSchemaIsHarmless() {
        try (LocalDatabase db = new LocalDatabase("jdbc:sqlite::memory:")) {
            db.applyInstructions(Schemas.v2());
            db.write("tags", LocalDatabase.WriteKind.INSERT, Map.of("id", "t1", "name", "work"));
            db.applyInstructions(Schemas.v2());
            db.applyInstructions(Schemas.v2());
            assertEquals(1, db.rows("tags").size());
            assertEquals(1, db.outboxSize());
        }
    }

    @Test
    void ddlWithoutIfNotExistsIsMadeIdempotent() {
        assertEquals("CREATE TABLE IF NOT EXISTS \"t\" (x)", LocalDatabase.idempotent("CREATE TABLE \"t\" (x)"));
        assertEquals("CREATE UNIQUE INDEX IF NOT EXISTS i ON t (x)", LocalDatabase.idempotent("create unique index i ON t (x)"));
        assertEquals("CREATE INDEX IF NOT EXISTS i ON t (x)", LocalDatabase.idempotent("CREATE INDEX IF NOT EXISTS i ON t (x)"));
    }

    @Test
    void aFailingMigrationChangesNothingAndKeepsTheOldVersion() {
        try (LocalDatabase db = new LocalDatabase("jdbc:sqlite::memory:")) {
            db.applyInstructions(Schemas.v1());
            db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "first"));
            ObjectNode raw = Schemas.v2().raw().deepCopy();
            ((com.fasterxml.jackson.databind.node.ArrayNode) raw.path("schema").path("tables").get(3).get("sqlite_ddl"))
                    .add("CREATE TABLE broken (");
            AppInstructions bad = AppInstructions.from(raw);

            assertThrows(RuntimeException.class, () -> db.applyInstructions(bad));

            assertEquals(1, db.schemaVersion());
            assertTrue(db.query("SELECT name FROM sqlite_master WHERE name = 'tags'").isEmpty(), "tags creation rolled back");
            assertTrue(db.query("PRAGMA table_info(\"notes\")").stream().noneMatch(c -> "priority".equals(c.get("name"))));
            assertEquals(1, db.outboxSize());
        }
    }

    /** An outbox an older SDK wrote (no created column): its ops are sent as they were queued, new writes as inserts. */
    @Test
    void anOutboxFromBeforeInsertOpsKeepsItsUpsertsAndQueuesInsertsAfterTheUpgrade() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("old.db");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url); java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE TABLE _posduif_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                    + " op_id TEXT NOT NULL UNIQUE, table_name TEXT NOT NULL, op TEXT NOT NULL CHECK (op IN ('upsert','delete')),"
                    + " pk_key TEXT NOT NULL, pk TEXT NOT NULL, data TEXT, changed_fields TEXT NOT NULL, client_ts TEXT NOT NULL)");
            st.execute("INSERT INTO _posduif_outbox (op_id, table_name, op, pk_key, pk, data, changed_fields, client_ts) VALUES "
                    + "('0190d5e4-0000-7000-8000-000000000001', 'notes', 'upsert', '[\"" + A + "\"]', '{\"id\":\"" + A + "\"}', "
                    + "'{\"id\":\"" + A + "\",\"title\":\"old\"}', '[\"title\"]', '2024-07-01T00:00:00.000Z')");
        }
        try (LocalDatabase db = new LocalDatabase(url)) {
            db.applyInstructions(Schemas.v1());
            db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", B, "title", "new"));
            assertEquals(List.of("upsert", "insert"), db.outboxBatch(10).stream().map(op -> op.wire().path("op").asText()).toList());
        }
    }

    @Test
    void serverDdlMayNotTouchTheSdkTables() {
        try (LocalDatabase db = new LocalDatabase("jdbc:sqlite::memory:")) {
            db.applyInstructions(Schemas.v1());
            db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "first"));
            ObjectNode raw = Schemas.v2().raw().deepCopy();
            ((com.fasterxml.jackson.databind.node.ArrayNode) raw.path("schema").path("tables").get(0).get("sqlite_ddl"))
                    .add("DROP TABLE _posduif_outbox");

            assertThrows(RuntimeException.class, () -> db.applyInstructions(AppInstructions.from(raw)));
            assertEquals(1, db.outboxSize());
        }
    }
}

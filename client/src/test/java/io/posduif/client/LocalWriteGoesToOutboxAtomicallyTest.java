package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalWriteGoesToOutboxAtomicallyTest {
    private static final String ID = "0f7c5a3e-1111-4222-8333-944455556666";
    private LocalDatabase db;

    @BeforeEach
    void open() {
        db = new LocalDatabase("jdbc:sqlite::memory:");
        db.applyInstructions(Schemas.v1());
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void insertStoresRowAndOneOutboxEntryWithWireValues() {
        db.write("notes", LocalDatabase.WriteKind.INSERT,
                Map.of("id", ID, "title", "hello", "done", true, "meta", Map.of("k", List.of(1, 2)), "count", 3));

        List<LocalDatabase.OutboxOp> ops = db.outboxBatch(10);
        assertEquals(1, ops.size());
        LocalDatabase.OutboxOp op = ops.get(0);
        assertEquals("notes", op.table());
        assertEquals("insert", op.op(), "a row the device made: the server need not read it first");
        assertEquals(ID, op.pk().path("id").asText());
        assertTrue(op.data().path("done").isBoolean(), "boolean travels as JSON boolean: " + op.data());
        assertEquals(2, op.data().path("meta").path("k").get(1).asInt());
        assertEquals(List.of("title", "done", "meta", "count"), sorted(op.changedFields(), List.of("title", "done", "meta", "count")));
        assertTrue(op.clientTs().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), op.clientTs());
        JsonNode wire = op.wire();
        assertEquals(op.opId(), wire.path("op_id").asText());

        // SQLite holds the boolean as 1 and the json as text; rows() maps them back.
        assertEquals(1, ((Number) db.query("SELECT done FROM notes").get(0).get("done")).intValue());
        assertEquals(true, db.rows("notes").get(0).path("done").booleanValue());
    }

    @Test
    void updateQueuesOnlyKeyAndChangedColumns() {
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", ID, "title", "a", "count", 1));
        db.write("notes", LocalDatabase.WriteKind.UPDATE, Map.of("id", ID, "count", 2));

        LocalDatabase.OutboxOp update = db.outboxBatch(10).get(1);
        assertEquals("upsert", update.op());
        assertEquals(2, update.data().size(), "data = pk + changed: " + update.data());
        assertEquals(2, update.data().path("count").asInt());
        assertEquals("[\"count\"]", update.changedFields().toString());
        assertEquals("a", db.rows("notes").get(0).path("title").asText());
    }

    @Test
    void upsertInsertsThenUpdatesAndQueuesEachWrite() {
        db.write("notes", LocalDatabase.WriteKind.UPSERT, Map.of("id", ID, "title", "a"));
        db.write("notes", LocalDatabase.WriteKind.UPSERT, Map.of("id", ID, "title", "b"));
        db.write("notes", LocalDatabase.WriteKind.UPSERT, Map.of("id", ID)); // key only: row exists, nothing to insert
        assertEquals("b", db.rows("notes").get(0).path("title").asText());
        assertEquals(3, db.outboxSize());
        assertEquals(List.of("insert", "upsert", "upsert"), db.outboxBatch(10).stream().map(LocalDatabase.OutboxOp::op).toList(),
                "only the write that made the row is an insert");
    }

    @Test
    void clientTimestampsStrictlyIncreaseEvenWithinOneMillisecond() {
        for (int i = 0; i < 50; i++) {
            db.write("notes", LocalDatabase.WriteKind.UPSERT, Map.of("id", ID, "title", "v" + i));
        }
        List<LocalDatabase.OutboxOp> ops = db.outboxBatch(100);
        for (int i = 1; i < ops.size(); i++) {
            assertTrue(ops.get(i).clientTs().compareTo(ops.get(i - 1).clientTs()) > 0,
                    ops.get(i - 1).clientTs() + " then " + ops.get(i).clientTs());
        }
    }

    @Test
    void deleteQueuesKeyOnlyAndMissingRowQueuesNothing() {
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", ID, "title", "a"));
        assertTrue(db.write("notes", LocalDatabase.WriteKind.DELETE, Map.of("id", ID)));
        assertFalse(db.write("notes", LocalDatabase.WriteKind.DELETE, Map.of("id", ID)));

        List<LocalDatabase.OutboxOp> ops = db.outboxBatch(10);
        assertEquals(2, ops.size());
        assertEquals("delete", ops.get(1).op());
        assertEquals(null, ops.get(1).data());
        assertFalse(ops.get(1).wire().has("data"));
    }

    @Test
    void mobileOnlyTableNeverEntersOutbox() {
        db.write("drafts", LocalDatabase.WriteKind.INSERT, Map.of("id", "d1", "body", "secret draft"));
        db.write("drafts", LocalDatabase.WriteKind.UPDATE, Map.of("id", "d1", "body", "v2"));
        db.write("drafts", LocalDatabase.WriteKind.DELETE, Map.of("id", "d1"));
        db.write("drafts", LocalDatabase.WriteKind.INSERT, Map.of("id", "d2", "body", "kept"));

        assertEquals(0, db.outboxSize());
        assertEquals(1, db.rows("drafts").size());
    }

    @Test
    void readOnlyTableRejectsLocalWritesAndWritesNothing() {
        LocalWriteException e = assertThrows(LocalWriteException.class,
                () -> db.write("announcements", LocalDatabase.WriteKind.INSERT, Map.of("id", 1, "text", "x")));
        assertEquals("TABLE_READ_ONLY", e.code());
        assertEquals(0, db.rows("announcements").size());
        assertEquals(0, db.outboxSize());
    }

    @Test
    void badWritesAreRefusedBeforeTouchingAnything() {
        assertEquals("UNKNOWN_TABLE", assertThrows(LocalWriteException.class,
                () -> db.write("nope", LocalDatabase.WriteKind.INSERT, Map.of("id", ID))).code());
        assertEquals("UNKNOWN_COLUMN", assertThrows(LocalWriteException.class,
                () -> db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", ID, "title", "t", "evil\"col", 1))).code());
        assertEquals("PK_MISMATCH", assertThrows(LocalWriteException.class,
                () -> db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("title", "no key"))).code());
        assertEquals("INVALID_VALUE", assertThrows(LocalWriteException.class,
                () -> db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", ID, "title", "t", "count", "many"))).code());
        // NOT NULL title: SQLite refuses, and the outbox entry must not survive without its row.
        assertEquals("CONSTRAINT", assertThrows(LocalWriteException.class,
                () -> db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", ID))).code());
        assertEquals(0, db.rows("notes").size());
        assertEquals(0, db.outboxSize());
    }

    @Test
    void failingOutboxInsertRollsBackTheRowWrite() {
        // A real SQLite failure in the second half of the transaction: the outbox refuses the entry.
        db.query("SELECT 1"); // warm up
        db.inTx(() -> {
            try (var st = rawConnection().createStatement()) {
                st.execute("CREATE TRIGGER refuse_boom BEFORE INSERT ON _posduif_outbox"
                        + " WHEN NEW.data LIKE '%boom%' BEGIN SELECT RAISE(ABORT, 'outbox full'); END");
            }
            return null;
        });
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", ID, "title", "fine"));

        assertThrows(RuntimeException.class,
                () -> db.write("notes", LocalDatabase.WriteKind.UPDATE, Map.of("id", ID, "title", "boom")));
        assertEquals("fine", db.rows("notes").get(0).path("title").asText(), "row write rolled back with its outbox entry");
        assertEquals(1, db.outboxSize());
    }

    private java.sql.Connection rawConnection() {
        try {
            var f = LocalDatabase.class.getDeclaredField("conn");
            f.setAccessible(true);
            return (java.sql.Connection) f.get(db);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> sorted(JsonNode array, List<String> order) {
        List<String> names = new java.util.ArrayList<>();
        array.forEach(n -> names.add(n.asText()));
        names.sort(java.util.Comparator.comparingInt(order::indexOf));
        return names;
    }
}

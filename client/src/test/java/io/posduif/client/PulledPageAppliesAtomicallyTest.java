package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PulledPageAppliesAtomicallyTest {
    private static final String A = "00000000-0000-4000-8000-00000000000a";
    private static final String B = "00000000-0000-4000-8000-00000000000b";
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

    private static JsonNode page(String json) {
        return Json.parse(json.replace('\'', '"'));
    }

    @Test
    void pageRowsAndCursorLandTogether() {
        int n = db.applyPage(page("[{'table':'notes','op':'upsert','pk':{'id':'" + A + "'},'data':{'id':'" + A
                + "','title':'from server','done':false,'meta':{'x':1},'count':7}},"
                + "{'table':'notes','op':'upsert','pk':{'id':'" + B + "'},'data':{'id':'" + B + "','title':'b'}},"
                + "{'table':'announcements','op':'upsert','pk':{'id':1},'data':{'id':1,'text':'welcome'}}]"), "c1");
        assertEquals(3, n);
        assertEquals("c1", db.cursor());
        assertEquals(2, db.rows("notes").size());
        assertEquals(false, db.rows("notes").get(0).path("done").booleanValue());
        assertEquals(1, db.rows("notes").get(0).path("meta").path("x").asInt());
        assertEquals(0, db.outboxSize(), "pulled rows never enter the outbox");

        db.applyPage(page("[{'table':'notes','op':'delete','pk':{'id':'" + B + "'}},"
                + "{'table':'notes','op':'upsert','pk':{'id':'" + A + "'},'data':{'id':'" + A + "','title':'renamed'}}]"), "c2");
        assertEquals(1, db.rows("notes").size());
        assertEquals("renamed", db.rows("notes").get(0).path("title").asText());
        assertEquals(7, db.rows("notes").get(0).path("count").asInt(), "columns absent from the change keep their value");
        assertEquals("c2", db.cursor());
    }

    @Test
    void aPageThatFailsHalfwayLeavesRowsAndCursorUntouched() {
        db.applyPage(page("[{'table':'notes','op':'upsert','pk':{'id':'" + A + "'},'data':{'id':'" + A + "','title':'v1'}}]"), "c1");

        // Second change inserts a row without its NOT NULL title: SQLite aborts, the whole page must go.
        assertThrows(RuntimeException.class, () -> db.applyPage(page(
                "[{'table':'notes','op':'upsert','pk':{'id':'" + A + "'},'data':{'id':'" + A + "','title':'v2'}},"
                        + "{'table':'notes','op':'upsert','pk':{'id':'" + B + "'},'data':{'id':'" + B + "','title':null}}]"), "c2"));

        assertEquals("c1", db.cursor());
        assertEquals(1, db.rows("notes").size());
        assertEquals("v1", db.rows("notes").get(0).path("title").asText());
    }

    @Test
    void pendingLocalWritesStayVisibleOverPulledRows() {
        db.applyPage(page("[{'table':'notes','op':'upsert','pk':{'id':'" + A + "'},'data':{'id':'" + A + "','title':'server','count':1}}]"), "c1");
        db.write("notes", LocalDatabase.WriteKind.UPDATE, Map.of("id", A, "count", 42));

        // The server changes another column of the same row; the device has not pushed yet.
        db.applyPage(page("[{'table':'notes','op':'upsert','pk':{'id':'" + A + "'},'data':{'id':'" + A + "','title':'server v2','count':1}}]"), "c2");

        JsonNode row = db.rows("notes").get(0);
        assertEquals("server v2", row.path("title").asText());
        assertEquals(42, row.path("count").asInt(), "the unpushed local change is re-applied on top");
        assertEquals(1, db.outboxSize());
    }

    @Test
    void pendingDeleteWinsLocallyOverAPulledUpsert() {
        db.applyPage(page("[{'table':'notes','op':'upsert','pk':{'id':'" + A + "'},'data':{'id':'" + A + "','title':'x'}}]"), "c1");
        db.write("notes", LocalDatabase.WriteKind.DELETE, Map.of("id", A));
        db.applyPage(page("[{'table':'notes','op':'upsert','pk':{'id':'" + A + "'},'data':{'id':'" + A + "','title':'y'}}]"), "c2");
        assertTrue(db.rows("notes").isEmpty());
    }

    @Test
    void changesForUnknownOrMobileOnlyTablesAreIgnored() {
        db.applyPage(page("[{'table':'secret_web_table','op':'upsert','pk':{'id':1},'data':{'id':1}},"
                + "{'table':'drafts','op':'upsert','pk':{'id':'d'},'data':{'id':'d','body':'x'}}]"), "c1");
        assertEquals("c1", db.cursor());
        assertTrue(db.rows("drafts").isEmpty());
    }

    @Test
    void conflictAnswerReplacesLocalRowWithServerRow() {
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "mine"));
        var ops = db.outboxBatch(10);
        db.acknowledge(ops, Map.of(ops.get(0).opId(), page("{'op_id':'" + ops.get(0).opId()
                + "','status':'conflict','server_row':{'id':'" + A + "','title':'theirs'}}")));
        assertEquals(0, db.outboxSize());
        assertEquals("theirs", db.rows("notes").get(0).path("title").asText());
    }

    @Test
    void conflictWithANullServerRowMeansTheServerKeptADelete() {
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "resurrected?"));
        var ops = db.outboxBatch(10);
        db.acknowledge(ops, Map.of(ops.get(0).opId(), page("{'op_id':'" + ops.get(0).opId()
                + "','status':'conflict','server_row':null}")));
        assertTrue(db.rows("notes").isEmpty());
        assertTrue(!db.resyncRequired());
    }

    @Test
    void aDuplicateHidingALostConflictMakesTheNextPullRebootstrap() {
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "one"));
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", B, "title", "two"));
        var ops = db.outboxBatch(10);
        db.acknowledge(ops.subList(0, 1), Map.of(ops.get(0).opId(), page("{'op_id':'" + ops.get(0).opId()
                + "','status':'duplicate','original_status':'applied'}")));
        assertTrue(!db.resyncRequired(), "a replay of an applied op changes nothing");
        db.acknowledge(ops.subList(1, 2), Map.of(ops.get(1).opId(), page("{'op_id':'" + ops.get(1).opId()
                + "','status':'duplicate','original_status':'conflict'}")));
        assertTrue(db.resyncRequired(), "the lost conflict answer would have replaced the local row");
        assertEquals(0, db.outboxSize());
    }

    @Test
    void aRejectedWriteMakesTheNextPullRebootstrap() {
        db.applyPage(page("[{'table':'notes','op':'upsert','pk':{'id':'" + B + "'},'data':{'id':'" + B + "','title':'server'}}]"), "c5");
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "refused by server"));
        var ops = db.outboxBatch(10);
        db.acknowledge(ops, Map.of(ops.get(0).opId(), page("{'op_id':'" + ops.get(0).opId()
                + "','status':'rejected','code':'OUT_OF_SCOPE'}")));
        assertTrue(db.resyncRequired());
        db.resetSynced();
        assertTrue(!db.resyncRequired());
        assertTrue(db.rows("notes").isEmpty(), "the refused row is gone; the pull from 0 brings the server's truth");
        assertNull(db.cursor());
    }

    @Test
    void unacknowledgedOpsStayInTheOutbox() {
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "one"));
        db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", B, "title", "two"));
        var ops = db.outboxBatch(10);
        db.acknowledge(ops, Map.of(ops.get(0).opId(), page("{'op_id':'" + ops.get(0).opId() + "','status':'applied'}")));
        assertEquals(1, db.outboxSize());
        assertEquals(ops.get(1).opId(), db.outboxBatch(10).get(0).opId());
        assertNull(db.cursor());
    }
}

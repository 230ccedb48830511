package io.posduif.client;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ResetRequiredKeepsOutboxTest {
    private static final String A = "00000000-0000-4000-8000-00000000000a";
    private static final String B = "00000000-0000-4000-8000-00000000000b";
    private static final String C = "00000000-0000-4000-8000-00000000000c";

    @Test
    void resetDropsSyncedRowsKeepsMobileOnlyRowsAndReappliesPendingWrites() {
        try (LocalDatabase db = new LocalDatabase("jdbc:sqlite::memory:")) {
            db.applyInstructions(Schemas.v1());
            db.applyPage(Json.parse(("[{'table':'notes','op':'upsert','pk':{'id':'" + A + "'},'data':{'id':'" + A + "','title':'pulled'}},"
                    + "{'table':'notes','op':'upsert','pk':{'id':'" + B + "'},'data':{'id':'" + B + "','title':'pulled b'}},"
                    + "{'table':'announcements','op':'upsert','pk':{'id':1},'data':{'id':1,'text':'hi'}}]").replace('\'', '"')), "c9");
            db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", C, "title", "pending insert"));
            db.write("notes", LocalDatabase.WriteKind.UPDATE, Map.of("id", B, "title", "pending edit"));
            db.write("drafts", LocalDatabase.WriteKind.INSERT, Map.of("id", "d", "body", "local only"));

            db.resetSynced();

            assertNull(db.cursor(), "next pull starts from 0");
            assertEquals(2, db.outboxSize());
            assertEquals(0, db.rows("announcements").size());
            assertEquals(1, db.rows("drafts").size(), "mobile-only data is not the server's to reset");
            // Pending writes are rebuilt from the outbox (B's edit carries every NOT NULL column, so it can).
            assertEquals(2, db.rows("notes").size());
            assertEquals("pending edit", db.rows("notes").get(0).path("title").asText());
            assertEquals("pending insert", db.rows("notes").get(1).path("title").asText());

            db.applyPage(Json.parse(("[{'table':'notes','op':'upsert','pk':{'id':'" + B + "'},'data':{'id':'" + B + "','title':'pulled b'}}]")
                    .replace('\'', '"')), "c1");
            assertEquals("pending edit", db.rows("notes").get(0).path("title").asText());
        }
    }
}

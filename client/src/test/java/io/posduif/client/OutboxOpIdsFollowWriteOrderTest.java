package io.posduif.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboxOpIdsFollowWriteOrderTest {
    private static final String A = "00000000-0000-4000-8000-00000000000a";
    /** 2100-01-01T00:00:00Z: an op written while the device clock was far ahead. */
    private static final long FUTURE = 4_102_444_800_000L;

    @TempDir
    Path dir;

    @Test
    void outboxOpIdsAreVersion7AndIncreaseInWriteOrder() {
        try (LocalDatabase db = new LocalDatabase("jdbc:sqlite::memory:")) {
            db.applyInstructions(Schemas.v1());
            for (int i = 0; i < 20; i++) {
                db.write("notes", LocalDatabase.WriteKind.UPSERT, Map.of("id", A, "title", "v" + i));
            }
            List<String> ids = db.query("SELECT op_id FROM _posduif_outbox ORDER BY seq").stream()
                    .map(r -> (String) r.get("op_id")).toList();
            assertEquals(20, ids.size());
            for (int i = 0; i < ids.size(); i++) {
                assertEquals(7, UUID.fromString(ids.get(i)).version(), ids.get(i));
                if (i > 0) {
                    assertTrue(ids.get(i).compareTo(ids.get(i - 1)) > 0, ids.get(i - 1) + " then " + ids.get(i));
                }
            }
            assertEquals(ids, db.outboxBatch(100).stream().map(LocalDatabase.OutboxOp::opId).toList());
        }
    }

    @Test
    void afterARestartNewOpIdsContinueAboveThePendingOnes() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("device.db");
        String future = OpIdsAreTimeOrderedUuidV7Test.v7(FUTURE, 0x0ab, 12345);
        try (LocalDatabase db = new LocalDatabase(url)) {
            db.applyInstructions(Schemas.v1());
            db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "first"));
        }
        setEveryOpId(url, future); // as if the clock has since gone back from 2100 to now

        try (LocalDatabase db = new LocalDatabase(url)) {
            db.write("notes", LocalDatabase.WriteKind.UPDATE, Map.of("id", A, "title", "second"));
            List<LocalDatabase.OutboxOp> ops = db.outboxBatch(10);
            assertEquals(future, ops.get(0).opId());
            String next = ops.get(1).opId();
            assertTrue(next.compareTo(future) > 0, future + " then " + next);
            assertEquals(FUTURE, OpIdsAreTimeOrderedUuidV7Test.millis(next), "the pending op's timestamp is kept");
        }
    }

    @Test
    void pendingRandomIdsOfAnOlderSdkDoNotSkewNewOpIds() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("device.db");
        try (LocalDatabase db = new LocalDatabase(url)) {
            db.applyInstructions(Schemas.v1());
            db.write("notes", LocalDatabase.WriteKind.INSERT, Map.of("id", A, "title", "first"));
        }
        setEveryOpId(url, "ffffffff-ffff-4fff-bfff-ffffffffffff");

        try (LocalDatabase db = new LocalDatabase(url)) {
            db.write("notes", LocalDatabase.WriteKind.UPDATE, Map.of("id", A, "title", "second"));
            String next = db.outboxBatch(10).get(1).opId();
            assertEquals(7, UUID.fromString(next).version());
            long millis = OpIdsAreTimeOrderedUuidV7Test.millis(next);
            assertTrue(Math.abs(millis - System.currentTimeMillis()) < 1000, "stamped now, not year 10889: " + next);
        }
    }

    private static void setEveryOpId(String url, String opId) throws Exception {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("UPDATE _posduif_outbox SET op_id = ?")) {
            ps.setString(1, opId);
            assertEquals(1, ps.executeUpdate());
        }
    }
}

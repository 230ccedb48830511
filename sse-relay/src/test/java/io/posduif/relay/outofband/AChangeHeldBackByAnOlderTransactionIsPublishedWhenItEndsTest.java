package io.posduif.relay.outofband;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.relay.support.RelayTest;
import io.posduif.relay.support.SseClient;
import io.posduif.relay.support.TestTenants;
import io.posduif.relay.support.TestTokens;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plain-SQL change committed while an older transaction is still open is not yet below
 * {@code pg_snapshot_xmin}, so pull would not serve it and the leader must not announce it. When
 * the older transaction ends nothing notifies the leader (it may not touch a synced table at
 * all): the leader has to come back by itself, and soon — the change is then announced once.
 */
class AChangeHeldBackByAnOlderTransactionIsPublishedWhenItEndsTest {

    @Test
    void theHeldBackChangeIsAnnouncedOnceTheOlderTransactionEnds() throws Exception {
        String t = TestTenants.create("oob_held");
        String s = "tenant_" + t;
        TestTenants.exec("CREATE TABLE " + s + ".notes (id int PRIMARY KEY, owner text)");
        TestTenants.exec("CREATE FUNCTION " + s + ".notes_cap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "PERFORM " + s + ".posduif_capture('notes', 'INSERT', jsonb_build_object('id', NEW.id), to_jsonb(NEW), NULL::text[], ARRAY['notes|owner=' || NEW.owner]); RETURN NEW; END $$");
        TestTenants.exec("CREATE TRIGGER posduif_capture AFTER INSERT ON " + s + ".notes FOR EACH ROW EXECUTE FUNCTION " + s + ".notes_cap()");
        UUID alice = TestTenants.user(t, "mobile");
        String a = TestTenants.device(t, alice);
        TestTenants.scopes(t, a, "notes|owner=alice");
        Map<String, Object> p = new HashMap<>(RelayTest.baseProperties(EmbeddedStack.shared().redisUrl()));
        try (EmbeddedServer relay = ApplicationContext.run(EmbeddedServer.class, p);
             SseClient device = SseClient.open("http://localhost:" + relay.getPort() + "/sse/mobile/" + a, TestTokens.device(t, alice, a));
             Connection older = EmbeddedStack.shared().connect()) {
            assertEquals(200, device.status, device.errorBody);
            Thread.sleep(800); // leadership and the stream reader are in place

            older.setAutoCommit(false);
            try (Statement st = older.createStatement()) {
                st.execute("SELECT pg_current_xact_id()"); // an open transaction with an id, older than the change
            }
            TestTenants.exec("INSERT INTO " + s + ".notes VALUES (1, 'alice')");
            assertNull(device.next("sync_required", 1), "not announced while pull could not serve it yet");
            assertEquals(1L, ((Number) TestTenants.query("SELECT count(*) FROM " + s + ".posduif_realtime_pending")).longValue(),
                    "the key stays queued");

            long ended = System.nanoTime();
            older.rollback(); // ends without touching a synced table: no notification
            SseClient.Event e = device.next("sync_required", 5);
            long ms = (System.nanoTime() - ended) / 1_000_000;
            assertNotNull(e, "announced after the older transaction ended, without a new notification");
            // the leader retries held-back keys after 2 ms, doubling to 8 ms for 250 ms, then to 100 ms (it used to wait a fixed 200 ms)
            assertTrue(ms < 2_000, "announced " + ms + " ms after the older transaction ended");
            assertNull(device.next("sync_required", 1), "once");
            assertEquals(0L, ((Number) TestTenants.query("SELECT count(*) FROM " + s + ".posduif_realtime_pending")).longValue());
        }
    }
}

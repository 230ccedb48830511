package io.posduif.relay.outofband;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.relay.support.RelayTest;
import io.posduif.relay.support.SseClient;
import io.posduif.relay.support.TestTenants;
import io.posduif.relay.support.TestTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plain SQL on a synced table (through the real capture function and change log) reaches
 * devices: one relay per tenant publishes it; another takes over when it dies; and changes made
 * while no relay runs are published when one starts.
 */
class OutOfBandChangesReachDevicesAcrossRelayRestartsTest {

    private final List<EmbeddedServer> relays = new ArrayList<>();

    @AfterEach
    void stop() {
        relays.forEach(r -> r.getApplicationContext().close());
    }

    private EmbeddedServer relay() {
        Map<String, Object> p = new HashMap<>(RelayTest.baseProperties(EmbeddedStack.shared().redisUrl()));
        EmbeddedServer s = ApplicationContext.run(EmbeddedServer.class, p);
        relays.add(s);
        return s;
    }

    /** A synced table with a capture trigger shaped like the generated one (CaptureTriggers). */
    private static void notesTable(String t) {
        String s = "tenant_" + t;
        TestTenants.exec("CREATE TABLE " + s + ".notes (id int PRIMARY KEY, owner text)");
        TestTenants.exec("CREATE FUNCTION " + s + ".notes_cap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF TG_OP = 'DELETE' THEN PERFORM " + s + ".posduif_capture('notes', 'DELETE', jsonb_build_object('id', OLD.id), NULL::jsonb, ARRAY['notes|owner=' || OLD.owner], NULL::text[]); RETURN OLD; "
                + "ELSIF TG_OP = 'UPDATE' THEN PERFORM " + s + ".posduif_capture('notes', 'UPDATE', jsonb_build_object('id', NEW.id), to_jsonb(NEW), ARRAY['notes|owner=' || OLD.owner], ARRAY['notes|owner=' || NEW.owner]); "
                + "ELSE PERFORM " + s + ".posduif_capture('notes', 'INSERT', jsonb_build_object('id', NEW.id), to_jsonb(NEW), NULL::text[], ARRAY['notes|owner=' || NEW.owner]); END IF; RETURN NEW; END $$");
        TestTenants.exec("CREATE TRIGGER posduif_capture AFTER INSERT OR UPDATE OR DELETE ON " + s + ".notes FOR EACH ROW EXECUTE FUNCTION " + s + ".notes_cap()");
    }

    private static SseClient connect(EmbeddedServer relay, String t, UUID user, String device) throws Exception {
        SseClient c = SseClient.open("http://localhost:" + relay.getPort() + "/sse/mobile/" + device, TestTokens.device(t, user, device));
        assertEquals(200, c.status, c.errorBody);
        return c;
    }

    private static long pending(String t) {
        return ((Number) TestTenants.query("SELECT count(*) FROM tenant_" + t + ".posduif_realtime_pending")).longValue();
    }

    @Test
    void plainSqlReachesTheDevicesInScopeAndNobodyElse() throws Exception {
        String t = TestTenants.create("oob");
        notesTable(t);
        UUID alice = TestTenants.user(t, "mobile");
        UUID bob = TestTenants.user(t, "mobile");
        String a = TestTenants.device(t, alice);
        String b = TestTenants.device(t, bob);
        TestTenants.scopes(t, a, "notes|owner=alice");
        TestTenants.scopes(t, b, "notes|owner=bob");
        EmbeddedServer relay = relay();
        try (SseClient ca = connect(relay, t, alice, a); SseClient cb = connect(relay, t, bob, b)) {
            Thread.sleep(800);
            TestTenants.exec("INSERT INTO tenant_" + t + ".notes VALUES (1, 'alice')");
            SseClient.Event e = ca.next("sync_required", 5);
            assertNotNull(e, "a psql insert reaches the device whose scope it touches");
            assertEquals("{\"type\":\"sync_required\"}", e.data());
            assertNull(cb.next("sync_required", 1), "and not the other device");
            // moving the row out of alice's scope concerns both (a removal for alice, a row for bob)
            TestTenants.exec("UPDATE tenant_" + t + ".notes SET owner = 'bob' WHERE id = 1");
            assertNotNull(ca.next("sync_required", 5));
            assertNotNull(cb.next("sync_required", 5));
            assertEquals(0, pending(t), "published keys are removed from the queue");
        }
    }

    @Test
    void changesMadeWhileNoRelayRunsArePublishedByTheNextAndLeadershipFailsOver() throws Exception {
        String t = TestTenants.create("oob_restart");
        notesTable(t);
        UUID alice = TestTenants.user(t, "mobile");
        String a = TestTenants.device(t, alice);
        TestTenants.scopes(t, a, "notes|owner=alice");

        TestTenants.exec("INSERT INTO tenant_" + t + ".notes VALUES (1, 'alice')");
        assertTrue(pending(t) > 0, "kept while no relay runs");

        EmbeddedServer first = relay();
        String lastId;
        try (SseClient c = connect(first, t, alice, a)) {
            // the queued change was published when first took the tenant over; resume from before it
            long deadline = System.currentTimeMillis() + 5000;
            while (pending(t) > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(0, pending(t));
        }
        try (SseClient c = SseClient.open("http://localhost:" + first.getPort() + "/sse/mobile/" + a,
                Map.of("Authorization", "Bearer " + TestTokens.device(t, alice, a), "Last-Event-ID", "0-1"))) {
            SseClient.Event e = c.next(5);
            assertNotNull(e);
            assertTrue(e.event().equals("sync_required") || e.event().equals("reset"), "the change made while no relay ran is announced: " + e);
            lastId = e.id();
        }

        EmbeddedServer second = relay();
        Thread.sleep(600);
        OutOfBandPublisher leaderOfFirst = first.getApplicationContext().getBean(OutOfBandPublisher.class);
        OutOfBandPublisher leaderOfSecond = second.getApplicationContext().getBean(OutOfBandPublisher.class);
        assertTrue(leaderOfFirst.led().contains(t), "the first relay leads the tenant");
        assertFalse(leaderOfSecond.led().contains(t), "exactly one relay leads a tenant");

        try (SseClient c = connect(second, t, alice, a)) {
            first.getApplicationContext().close();
            relays.remove(first);
            long deadline = System.currentTimeMillis() + 5000;
            while (!leaderOfSecond.led().contains(t) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(leaderOfSecond.led().contains(t), "the survivor takes the tenant over");
            TestTenants.exec("UPDATE tenant_" + t + ".notes SET owner = 'alice' WHERE id = 1");
            assertNotNull(c.next("sync_required", 5), "and publishes the next plain-SQL change");
        }
        assertNotNull(lastId);
    }
}

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
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The leader's housekeeping (stream trim, presence sweep) used to run on the leader thread, so a
 * slow sweep held up every plain-SQL change behind it. Here the sweep cannot finish at all: the
 * devices table is locked against writes (a table lock, which takes no transaction id and so
 * holds back no change) from before the relay takes the tenant over until the end. A plain-SQL
 * change must still reach the device promptly.
 */
class AStalledHousekeepingDoesNotHoldUpOutOfBandChangesTest {

    @Test
    void aChangeIsPublishedWhileThePresenceSweepIsBlocked() throws Exception {
        String t = TestTenants.create("oob_stall");
        String s = "tenant_" + t;
        TestTenants.exec("CREATE TABLE " + s + ".notes (id int PRIMARY KEY, owner text)");
        TestTenants.exec("CREATE FUNCTION " + s + ".notes_cap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "PERFORM " + s + ".posduif_capture('notes', 'INSERT', jsonb_build_object('id', NEW.id), to_jsonb(NEW), NULL::text[], ARRAY['notes|owner=' || NEW.owner]); RETURN NEW; END $$");
        TestTenants.exec("CREATE TRIGGER posduif_capture AFTER INSERT ON " + s + ".notes FOR EACH ROW EXECUTE FUNCTION " + s + ".notes_cap()");
        UUID alice = TestTenants.user(t, "mobile");
        String a = TestTenants.device(t, alice);
        TestTenants.scopes(t, a, "notes|owner=alice");
        try (Connection blocker = EmbeddedStack.shared().connect()) {
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.execute("LOCK TABLE " + s + ".posduif_devices IN SHARE MODE"); // reads pass, the sweep's UPDATE waits
            }
            try (EmbeddedServer relay = ApplicationContext.run(EmbeddedServer.class,
                    new java.util.HashMap<String, Object>(RelayTest.baseProperties(EmbeddedStack.shared().redisUrl())));
                 SseClient device = SseClient.open("http://localhost:" + relay.getPort() + "/sse/mobile/" + a, TestTokens.device(t, alice, a))) {
                assertEquals(200, device.status, device.errorBody);
                Thread.sleep(800); // leadership taken: its first housekeeping of the tenant is now stuck on the lock

                TestTenants.exec("INSERT INTO " + s + ".notes VALUES (1, 'alice')");
                assertNotNull(device.next("sync_required", 5), "published although housekeeping of the tenant is stuck");
            } finally {
                blocker.rollback();
            }
        }
    }
}

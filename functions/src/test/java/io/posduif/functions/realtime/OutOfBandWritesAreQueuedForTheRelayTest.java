package io.posduif.functions.realtime;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Db;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The capture path's hook: plain SQL leaves scope keys for the relay (one row per transaction
 * and key) plus a NOTIFY; a transaction marked by functions leaves nothing.
 */
@MicronautTest
class OutOfBandWritesAreQueuedForTheRelayTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    Db db;

    @Test
    void plainSqlQueuesItsBucketsOncePerTransactionAndMarkedTransactionsDoNot() throws Exception {
        TenantId t = fixtures.newTenant("oob");
        String s = t.schema();
        try (Connection c = stack().connect(); Statement st = c.createStatement()) {
            // stands in for the generated capture trigger, which calls posduif_realtime_capture per row
            st.execute("CREATE TABLE " + s + ".notes (id int PRIMARY KEY, owner text)");
            st.execute("CREATE FUNCTION " + s + ".notes_rt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "PERFORM " + s + ".posduif_realtime_capture("
                    + "CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE ARRAY['notes|owner=' || OLD.owner] END, "
                    + "CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE ARRAY['notes|owner=' || NEW.owner] END); RETURN NULL; END $$");
            st.execute("CREATE TRIGGER notes_rt AFTER INSERT OR UPDATE OR DELETE ON " + s + ".notes FOR EACH ROW EXECUTE FUNCTION " + s + ".notes_rt()");

            try (Connection listener = stack().connect(); Statement ls = listener.createStatement()) {
                ls.execute("LISTEN posduif_changes");
                st.execute("INSERT INTO " + s + ".notes SELECT g, 'o' || (g % 3) FROM generate_series(1, 300) g");
                st.execute("UPDATE " + s + ".notes SET owner = 'moved' WHERE id = 1");
                var notifications = waitNotifications(listener);
                assertFalse(notifications.isEmpty());
                assertTrue(notifications.stream().allMatch(s::equals), "payload is the tenant schema: " + notifications);
                assertTrue(notifications.size() <= 2, "folded to one per transaction, got " + notifications.size());
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT txid) FROM " + s + ".posduif_realtime_pending")) {
                rs.next();
                assertEquals(3 + 2, rs.getInt(1), "3 keys in the insert, old+new key in the update");
                assertEquals(2, rs.getInt(2));
            }

            c.setAutoCommit(false);
            RealtimePublisher.markPublished(c);
            st.execute("INSERT INTO " + s + ".notes VALUES (1000, 'marked')");
            c.commit();
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + s + ".posduif_realtime_pending WHERE bucket = 'notes|owner=marked'")) {
                rs.next();
                assertEquals(0, rs.getInt(1));
            }
        }
    }

    private static List<String> waitNotifications(Connection c) throws Exception {
        org.postgresql.PGConnection pg = c.unwrap(org.postgresql.PGConnection.class);
        List<String> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 2_000;
        while (System.currentTimeMillis() < deadline) {
            var n = pg.getNotifications(200);
            if (n != null) {
                for (var x : n) {
                    out.add(x.getParameter());
                }
            }
        }
        return out;
    }
}

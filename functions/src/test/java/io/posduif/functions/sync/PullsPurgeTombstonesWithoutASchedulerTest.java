package io.posduif.functions.sync;

import io.micronaut.context.annotation.Property;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On Lambda no timer runs between requests, so tombstone retention must not depend on the
 * schedule (here it first fires after an hour): pulls purge their tenant once per interval, a
 * backlog larger than one bounded batch is worked off over the following pulls, and a device
 * whose cursor predates a purged tombstone is told to reset.
 */
@MicronautTest
@Property(name = "posduif.sync.tombstone-retention", value = "1s")
@Property(name = "posduif.sync.purge-interval", value = "1s")
class PullsPurgeTombstonesWithoutASchedulerTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    PullService pull;
    @Inject
    Db db;

    @Test
    void pullsPurgeExpiredTombstonesAndOldCursorsMustReset() throws Exception {
        TenantId tenant = fixtures.newTenant("purge");
        schemas.apply(tenant, List.of(SyncTables.notes(ConflictPolicy.LWW)));
        Fixtures.User alice = fixtures.mobileUser(tenant);
        Fixtures.User bob = fixtures.mobileUser(tenant);
        Caller aliceDevice = caller(tenant, alice);
        Caller bobDevice = caller(tenant, bob);

        // more tombstones than one purge batch, plus one alice holds
        sql(tenant, "INSERT INTO $S.notes (id, owner, body) SELECT gen_random_uuid(), '" + bob.id() + "', 'x' "
                + "FROM generate_series(1, " + (Retention.BATCH + 1_500) + ")");
        UUID held = UUID.randomUUID();
        sql(tenant, "INSERT INTO $S.notes (id, owner, body) VALUES ('" + held + "', '" + alice.id() + "', 'held')");
        PullService.Page first = pull.pull(aliceDevice, "0", 100);
        assertEquals(1, first.count());
        sql(tenant, "DELETE FROM $S.notes");
        int tombstones = Retention.BATCH + 1_501;
        assertEquals(tombstones, count(tenant, "SELECT count(*) FROM $S.posduif_changes WHERE deleted"));

        Thread.sleep(1_200); // past the retention and the purge interval
        long deadline = System.currentTimeMillis() + 15_000;
        while (count(tenant, "SELECT count(*) FROM $S.posduif_changes WHERE deleted") > 0) {
            assertTrue(System.currentTimeMillis() < deadline, "tombstones still there after 15 s of pulls");
            pull.pull(bobDevice, "0", 10);
            Thread.sleep(200);
        }
        assertEquals(0, count(tenant, "SELECT count(*) FROM $S.posduif_change_scope"), "scope rows go with their entries");
        assertTrue(count(tenant, "SELECT count(*) FROM $S.posduif_sync_state WHERE horizon_txid > '0'::xid8") == 1, "horizon moved");

        ApiException e = assertThrows(ApiException.class, () -> pull.pull(aliceDevice, first.cursor(), 100));
        assertEquals(ErrorCode.RESET_REQUIRED, e.code(), "alice may have missed the delete of " + held);
        PullService.Page fresh = pull.pull(aliceDevice, "0", 100);
        assertEquals(0, fresh.count(), "bootstrap after the purge: the deleted row is simply absent");
    }

    private Caller caller(TenantId tenant, Fixtures.User u) {
        Fixtures.Device d = fixtures.device(tenant, u.id());
        return new Caller(tenant, Caller.Kind.DEVICE, u.id(), d.deviceId(), Set.of("device"));
    }

    private void sql(TenantId tenant, String statement) {
        db.withConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute(statement.replace("$S", tenant.schema()));
            }
            return null;
        });
    }

    private long count(TenantId tenant, String query) {
        return db.withConnection(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query.replace("$S", tenant.schema()))) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}

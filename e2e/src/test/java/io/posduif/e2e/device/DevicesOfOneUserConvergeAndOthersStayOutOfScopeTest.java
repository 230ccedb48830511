package io.posduif.e2e.device;

import io.posduif.client.OpResult;
import io.posduif.client.SyncListener;
import io.posduif.client.sim.WebSession;
import io.posduif.e2e.support.Devices;
import io.posduif.e2e.support.E2eSchemas;
import io.posduif.e2e.support.E2eServer;
import io.posduif.functions.tenant.TenantId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevicesOfOneUserConvergeAndOthersStayOutOfScopeTest {
    @TempDir
    Path dir;

    @Test
    void phoneAndTabletOfAliceConvergeAndKeepBothFieldEdits() throws Exception {
        E2eServer server = E2eServer.shared();
        TenantId tenant = server.newTenant("e2etwo", E2eSchemas.NOTES);
        WebSession web = Devices.webLogin(server, tenant);
        try (Devices.Device phone = Devices.enroll(server, web, "alice", dir, 1);
             Devices.Device tablet = Devices.enroll(server, web, "alice", dir, 2)) {
            assertEquals(phone.sdk().userId(), tablet.sdk().userId());
            String id = UUID.randomUUID().toString();
            phone.sdk().insert("notes", Map.of("id", id, "owner_id", phone.sdk().userId(), "title", "plan", "body", "v1"));
            phone.sdk().sync();
            tablet.sdk().sync();
            assertEquals("plan", tablet.sdk().rows("notes").get(0).path("title").asText());

            // Concurrent edits of different fields (field-lww): both survive on both devices.
            tablet.sdk().update("notes", Map.of("id", id, "title", "plan (tablet)"));
            Thread.sleep(5);
            phone.sdk().update("notes", Map.of("id", id, "body", "v2 from phone"));
            tablet.sdk().sync();
            phone.sdk().sync();
            tablet.sdk().sync();

            assertEquals(phone.sdk().rows("notes"), tablet.sdk().rows("notes"));
            assertEquals("plan (tablet)", phone.sdk().rows("notes").get(0).path("title").asText());
            assertEquals("v2 from phone", phone.sdk().rows("notes").get(0).path("body").asText());

            tablet.sdk().delete("notes", Map.of("id", id));
            tablet.sdk().sync();
            phone.sdk().sync();
            assertTrue(phone.sdk().rows("notes").isEmpty());
        }
    }

    @Test
    void bobNeverReceivesAliceRowsAndCannotWriteThem() throws Exception {
        E2eServer server = E2eServer.shared();
        TenantId tenant = server.newTenant("e2escope", E2eSchemas.NOTES);
        WebSession web = Devices.webLogin(server, tenant);
        try (Devices.Device alice = Devices.enroll(server, web, "alice", dir, 1);
             Devices.Device bob = Devices.enroll(server, web, "bob", dir, 2)) {
            List<OpResult> bobResults = new CopyOnWriteArrayList<>();
            bob.sdk().addListener(new SyncListener() {
                @Override
                public void onOpResult(OpResult result) {
                    bobResults.add(result);
                }
            });
            String aliceNote = UUID.randomUUID().toString();
            alice.sdk().insert("notes", Map.of("id", aliceNote, "owner_id", alice.sdk().userId(), "title", "alice's secret"));
            alice.sdk().sync();

            bob.sdk().sync();
            assertTrue(bob.sdk().rows("notes").isEmpty(), "bob's scope has no alice rows");

            // Bob forges a note owned by alice: the server refuses it and tells bob's app.
            String forged = UUID.randomUUID().toString();
            bob.sdk().insert("notes", Map.of("id", forged, "owner_id", alice.sdk().userId(), "title", "forged"));
            bob.sdk().sync();
            assertEquals(1, bobResults.size());
            assertEquals("rejected", bobResults.get(0).status());
            assertEquals("OUT_OF_SCOPE", bobResults.get(0).code());
            assertEquals(0, bob.sdk().pendingCount());
            alice.sdk().sync();
            assertEquals(1, alice.sdk().rows("notes").size(), "the forged row never reached alice");

            // Plain SQL hands alice's note to bob: bob receives it, alice's device drops it.
            try (Connection db = server.jdbc();
                 PreparedStatement ps = db.prepareStatement("UPDATE \"" + tenant.schema() + "\".\"notes\" SET owner_id = ?::uuid WHERE id = ?::uuid")) {
                ps.setString(1, bob.sdk().userId());
                ps.setString(2, aliceNote);
                assertEquals(1, ps.executeUpdate());
            }
            bob.sdk().sync();
            alice.sdk().sync();
            assertTrue(bob.sdk().rows("notes").stream().anyMatch(r -> r.path("id").asText().equals(aliceNote)));
            assertTrue(alice.sdk().rows("notes").isEmpty(), "a row leaving alice's scope is removed from her device");
        }
    }
}

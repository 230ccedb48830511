package io.posduif.e2e.device;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.posduif.client.AppInstructions;
import io.posduif.client.LocalWriteException;
import io.posduif.client.SyncReport;
import io.posduif.client.sim.WebSession;
import io.posduif.e2e.support.Devices;
import io.posduif.e2e.support.E2eSchemas;
import io.posduif.e2e.support.E2eServer;
import io.posduif.functions.tenant.TenantId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A web user creates an enrollment; a device decodes the QR PNG, enrolls, gets the schema, writes offline, syncs. */
class DeviceEnrolledFromQrSyncsItsOfflineWritesTest {
    @TempDir
    Path dir;

    @Test
    void qrEnrollmentThenOfflineWritesReachPostgresOnReconnect() throws Exception {
        E2eServer server = E2eServer.shared();
        TenantId tenant = server.newTenant("e2eqr", E2eSchemas.NOTES);
        WebSession web = Devices.webLogin(server, tenant);

        try (Devices.Device phone = Devices.enrollFromPng(server, web, "alice", dir, 1)) {
            AppInstructions ai = phone.sdk().instructions();
            assertNotNull(ai.table("notes"));
            assertNotNull(ai.table("drafts"), "mobile-only tables are described to devices");
            assertEquals(null, ai.table("audit"), "web-only tables never reach devices");
            assertFalse(phone.sdk().query("SELECT name FROM sqlite_master WHERE name = 'notes'").isEmpty());
            String userId = phone.sdk().userId();

            phone.network().setOffline(true);
            String a = UUID.randomUUID().toString();
            String b = UUID.randomUUID().toString();
            String c = UUID.randomUUID().toString();
            phone.sdk().insert("notes", Map.of("id", a, "owner_id", userId, "title", "groceries", "pinned", true,
                    "tags", List.of("home", "weekly"), "score", 2.5, "due", "2026-12-01"));
            phone.sdk().insert("notes", Map.of("id", b, "owner_id", userId, "title", "to delete"));
            phone.sdk().insert("notes", Map.of("id", c, "owner_id", userId, "title", "draft title"));
            phone.sdk().update("notes", Map.of("id", c, "body", "edited offline"));
            assertTrue(phone.sdk().delete("notes", Map.of("id", b)));
            phone.sdk().insert("drafts", Map.of("id", UUID.randomUUID().toString(), "body", "never leaves the phone"));
            assertEquals(5, phone.sdk().pendingCount());
            assertThrows(IOException.class, () -> phone.sdk().sync(), "offline: sync fails, writes stay queued");
            assertEquals(5, phone.sdk().pendingCount());
            assertEquals(2, phone.sdk().rows("notes").size(), "local reads see local writes while offline");

            phone.network().setOffline(false);
            List<io.posduif.client.OpResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();
            phone.sdk().addListener(new io.posduif.client.SyncListener() {
                @Override
                public void onOpResult(io.posduif.client.OpResult r) {
                    results.add(r);
                }
            });
            SyncReport report = phone.sdk().sync();
            assertEquals(5, report.pushed(), "report: " + report + " " + results);
            assertEquals(5, report.applied(), "report: " + report + " " + results);
            assertEquals(0, phone.sdk().pendingCount());

            try (Connection db = server.jdbc();
                 PreparedStatement ps = db.prepareStatement("SELECT id::text, title, body, pinned, tags::text, score, due::text FROM "
                         + "\"" + tenant.schema() + "\".\"notes\" ORDER BY title")) {
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(c, rs.getString(1));
                    assertEquals("draft title", rs.getString(2));
                    assertEquals("edited offline", rs.getString(3));
                    assertTrue(rs.next());
                    assertEquals(a, rs.getString(1));
                    assertTrue(rs.getBoolean(4));
                    assertEquals("[\"home\", \"weekly\"]", rs.getString(5));
                    assertEquals(2.5, rs.getDouble(6));
                    assertEquals("2026-12-01", rs.getString(7));
                    assertFalse(rs.next(), "the deleted note is gone");
                }
            }
            // What the device holds equals what it would get bootstrapping from scratch.
            List<ObjectNode> local = phone.sdk().rows("notes");
            try (Devices.Device fresh = Devices.enroll(server, web, "alice", dir, 2)) {
                fresh.sdk().sync();
                assertEquals(local, fresh.sdk().rows("notes"));
            }
            LocalWriteException refused = assertThrows(LocalWriteException.class,
                    () -> phone.sdk().insert("audit", Map.of("id", UUID.randomUUID().toString())));
            assertEquals("UNKNOWN_TABLE", refused.code());
        }
    }
}

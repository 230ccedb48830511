package io.posduif.e2e.device;

import io.posduif.client.DeviceRevokedException;
import io.posduif.client.SyncListener;
import io.posduif.client.sim.WebSession;
import io.posduif.e2e.support.Devices;
import io.posduif.e2e.support.E2eSchemas;
import io.posduif.e2e.support.E2eServer;
import io.posduif.functions.tenant.TenantId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RevokedDeviceStopsSyncingButKeepsItsDataTest {
    @TempDir
    Path dir;

    @Test
    void aWebUserRevokesTheDeviceAndItsNextSyncStopsForGood() throws Exception {
        E2eServer server = E2eServer.shared();
        TenantId tenant = server.newTenant("e2erev", E2eSchemas.NOTES);
        WebSession web = Devices.webLogin(server, tenant);
        try (Devices.Device phone = Devices.enroll(server, web, "dave", dir, 1)) {
            AtomicInteger revokedCalls = new AtomicInteger();
            phone.sdk().addListener(new SyncListener() {
                @Override
                public void onRevoked() {
                    revokedCalls.incrementAndGet();
                }
            });
            String userId = phone.sdk().userId();
            phone.sdk().insert("notes", Map.of("id", UUID.randomUUID().toString(), "owner_id", userId, "title", "synced"));
            phone.sdk().sync();

            web.json("POST", "/api/devices/" + phone.sdk().deviceId() + "/revoke", null);

            phone.sdk().insert("notes", Map.of("id", UUID.randomUUID().toString(), "owner_id", userId, "title", "after revoke"));
            assertThrows(DeviceRevokedException.class, () -> phone.sdk().sync());
            assertTrue(phone.sdk().isRevoked());
            assertEquals(1, revokedCalls.get());
            assertThrows(DeviceRevokedException.class, () -> phone.sdk().sync(), "no more attempts after revocation");
            assertEquals(1, revokedCalls.get());
            assertEquals(2, phone.sdk().rows("notes").size(), "local data stays readable");
            assertEquals(1, phone.sdk().pendingCount(), "the unsent write is not silently dropped");
        }
    }
}

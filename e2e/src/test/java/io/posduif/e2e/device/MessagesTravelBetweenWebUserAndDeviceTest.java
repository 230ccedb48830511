package io.posduif.e2e.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.posduif.client.LocalWriteException;
import io.posduif.client.sim.WebSession;
import io.posduif.e2e.support.Devices;
import io.posduif.e2e.support.E2eServer;
import io.posduif.functions.tenant.TenantId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed's messaging flow on the demo tenant's schema: web → device by pull, device → web by push. */
class MessagesTravelBetweenWebUserAndDeviceTest {
    @TempDir
    Path dir;

    @Test
    void webMessageReachesTheDeviceAndTheDevicesReplyAndReadReceiptReachTheWeb() throws Exception {
        E2eServer server = E2eServer.shared();
        TenantId tenant = server.newTenant("e2emsg", Files.readString(Path.of("..", "infra", "tenants", "demo.yaml")));
        WebSession web = Devices.webLogin(server, tenant);
        try (Devices.Device phone = Devices.enroll(server, web, "carol", dir, 1)) {
            String carol = phone.sdk().userId();
            ObjectNode send = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
            send.put("recipient_id", carol);
            send.put("content", "hello carol");
            String messageId = web.json("POST", "/api/messages", send).path("id").asText();

            phone.sdk().sync();
            List<ObjectNode> inbox = phone.sdk().rows("messages");
            assertEquals(1, inbox.size());
            assertEquals("hello carol", inbox.get(0).path("content").asText());
            assertEquals(web.userId(), inbox.get(0).path("sender_id").asText());
            assertTrue(phone.sdk().rows("users").stream().anyMatch(u -> u.path("id").asText().equals(web.userId())),
                    "the user directory syncs to the device");
            assertThrows(LocalWriteException.class, () -> phone.sdk().update("users", Map.of("id", carol, "username", "mallory")),
                    "the directory is read-only on devices");

            // Offline, carol reads the message and replies.
            phone.network().setOffline(true);
            phone.sdk().update("messages", Map.of("id", messageId, "status", "read", "read_at", "2026-11-21T23:00:00.000Z"));
            Map<String, Object> reply = new LinkedHashMap<>();
            String replyId = UUID.randomUUID().toString();
            reply.put("id", replyId);
            reply.put("sender_id", carol);
            reply.put("recipient_id", web.userId());
            reply.put("content", "hi back");
            phone.sdk().insert("messages", reply);
            phone.network().setOffline(false);
            phone.sdk().sync();
            assertEquals(0, phone.sdk().pendingCount());

            JsonNode list = web.json("GET", "/api/messages", null).path("messages");
            Map<String, JsonNode> byId = new LinkedHashMap<>();
            list.forEach(m -> byId.put(m.path("id").asText(), m));
            assertEquals("hi back", byId.get(replyId).path("content").asText());
            assertEquals(carol, byId.get(replyId).path("sender_id").asText());
            assertEquals("read", byId.get(messageId).path("status").asText());
        }
    }
}

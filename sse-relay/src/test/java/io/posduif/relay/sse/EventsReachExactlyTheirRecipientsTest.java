package io.posduif.relay.sse;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.relay.support.RelayTest;
import io.posduif.relay.support.SseClient;
import io.posduif.relay.support.Streams;
import io.posduif.relay.support.TestTenants;
import io.posduif.relay.support.TestTokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Routing: sync_required only to devices whose scope intersects, schema_changed to all devices,
 * device_revoked to that device (then the stream ends), web events only to web users (and only
 * the addressed ones), and nothing of another tenant.
 */
@MicronautTest
class EventsReachExactlyTheirRecipientsTest extends RelayTest {

    @Inject
    EmbeddedServer server;
    final Streams streams = Streams.shared();

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.relay.heartbeat", "500ms");
    }

    @AfterAll
    void close() {
        streams.close();
    }

    private SseClient device(String tenant, UUID user, String device) throws Exception {
        SseClient c = SseClient.open("http://localhost:" + server.getPort() + "/sse/mobile/" + device, TestTokens.device(tenant, user, device));
        assertEquals(200, c.status, c.errorBody);
        return c;
    }

    private SseClient web(String tenant, UUID user) throws Exception {
        SseClient c = SseClient.open("http://localhost:" + server.getPort() + "/sse/web/" + user, TestTokens.web(tenant, user));
        assertEquals(200, c.status, c.errorBody);
        return c;
    }

    @Test
    void eachEventGoesOnlyWhereItBelongs() throws Exception {
        String t = TestTenants.create("route");
        String other = TestTenants.create("route_other");
        UUID alice = TestTenants.user(t, "mobile");
        UUID bob = TestTenants.user(t, "mobile");
        UUID web1 = TestTenants.user(t, "web");
        UUID web2 = TestTenants.user(t, "web");
        String a = TestTenants.device(t, alice);
        String b = TestTenants.device(t, bob);
        String unknownScope = TestTenants.device(t, bob);
        TestTenants.scopes(t, a, "messages|user_id=" + alice, "users|*");
        TestTenants.scopes(t, b, "messages|user_id=" + bob, "users|*");
        UUID otherUser = TestTenants.user(other, "mobile");
        String otherDevice = TestTenants.device(other, otherUser);

        try (SseClient ca = device(t, alice, a); SseClient cb = device(t, bob, b); SseClient cu = device(t, bob, unknownScope);
             SseClient w1 = web(t, web1); SseClient w2 = web(t, web2); SseClient co = device(other, otherUser, otherDevice)) {
            Thread.sleep(700); // the reader has picked up both tenants

            String id1 = streams.add(t, "sync_required", "[\"messages|user_id=" + alice + "\"]", null, null, "{\"type\":\"sync_required\",\"cursor\":\"c1\"}");
            SseClient.Event ea = ca.next("sync_required", 5);
            assertNotNull(ea, "alice's scope was touched");
            assertEquals(id1, ea.id(), "every event carries the stream id");
            assertEquals("{\"type\":\"sync_required\",\"cursor\":\"c1\"}", ea.data());
            assertNotNull(cu.next("sync_required", 5), "a device whose scope is unknown gets every sync_required");

            String id2 = streams.add(t, "schema_changed", null, null, null, "{\"type\":\"schema_changed\",\"version\":4}");
            SseClient.Event firstOfBob = cb.next(5);
            while (firstOfBob != null && firstOfBob.event().equals("reset")) {
                firstOfBob = cb.next(5);
            }
            assertNotNull(firstOfBob);
            assertEquals("schema_changed", firstOfBob.event(), "bob never got alice's sync_required");
            assertEquals(id2, firstOfBob.id());
            assertEquals("{\"type\":\"schema_changed\",\"version\":4}", ca.next("schema_changed", 5).data());

            streams.add(t, "new_message", null, "[\"" + web1 + "\"]", null, "{\"type\":\"new_message\",\"message_id\":\"m1\",\"unread_count\":3}");
            streams.add(t, "device_enrolled", null, null, null, "{\"type\":\"device_enrolled\",\"user_id\":\"" + bob + "\",\"device_id\":\"d9\",\"token\":\"tk\"}");
            SseClient.Event n1 = w1.next("new_message", 5);
            assertNotNull(n1);
            assertTrue(n1.data().contains("\"unread_count\":3"));
            SseClient.Event firstOfWeb2 = w2.next("device_enrolled", 5);
            assertNotNull(firstOfWeb2);
            assertNotNull(w1.next("device_enrolled", 5));
            assertTrue(w2.events.stream().noneMatch(e -> e.event().equals("new_message")), "web2 is not the recipient");
            assertTrue(w1.events.stream().noneMatch(e -> e.event().equals("sync_required") || e.event().equals("schema_changed")),
                    "web users get no device events");
            assertTrue(ca.events.stream().noneMatch(e -> e.event().equals("new_message") || e.event().equals("device_enrolled")),
                    "devices get no web notifications");

            // scopes change: bob now also follows alice's messages
            TestTenants.scopes(t, b, "messages|user_id=" + bob, "messages|user_id=" + alice);
            streams.add(t, "scopes_changed", null, null, "[\"" + b + "\"]", "{\"type\":\"scopes_changed\"}");
            Thread.sleep(500);
            streams.add(t, "sync_required", "[\"messages|user_id=" + alice + "\"]", null, null, "{\"type\":\"sync_required\"}");
            assertNotNull(cb.next("sync_required", 5), "bob's reloaded scope now intersects");
            assertTrue(cb.events.stream().noneMatch(e -> e.event().equals("scopes_changed")), "internal events are never forwarded");

            streams.add(t, "device_revoked", null, null, "[\"" + a + "\"]", "{\"type\":\"device_revoked\"}");
            assertNotNull(ca.next("device_revoked", 5));
            long deadline = System.currentTimeMillis() + 5000;
            while (!ca.closedByServer.get() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(ca.closedByServer.get(), "the revoked device's stream is closed");
            assertNull(cb.next("device_revoked", 1), "only the revoked device hears of it");

            assertTrue(co.events.stream().noneMatch(e -> !e.event().equals("reset")), "another tenant's device heard nothing: " + co.events);
            assertTrue(w1.comments.get() > 0, "heartbeats arrive as comments");
        }
    }
}

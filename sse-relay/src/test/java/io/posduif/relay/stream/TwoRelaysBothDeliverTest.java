package io.posduif.relay.stream;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.relay.support.RelayTest;
import io.posduif.relay.support.SseClient;
import io.posduif.relay.support.Streams;
import io.posduif.relay.support.TestTenants;
import io.posduif.relay.support.TestTokens;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Fan-out: every relay reads the whole stream, so an event reaches clients of each relay. */
class TwoRelaysBothDeliverTest {

    @Test
    void oneEventReachesDevicesOnBothRelays() throws Exception {
        Map<String, Object> p = new HashMap<>(RelayTest.baseProperties(EmbeddedStack.shared().redisUrl()));
        String t = TestTenants.create("fanout");
        UUID u = TestTenants.user(t, "mobile");
        String d1 = TestTenants.device(t, u);
        String d2 = TestTenants.device(t, u);
        try (EmbeddedServer r1 = ApplicationContext.run(EmbeddedServer.class, p);
             EmbeddedServer r2 = ApplicationContext.run(EmbeddedServer.class, p);
             Streams streams = Streams.shared();
             SseClient c1 = SseClient.open("http://localhost:" + r1.getPort() + "/sse/mobile/" + d1, TestTokens.device(t, u, d1));
             SseClient c2 = SseClient.open("http://localhost:" + r2.getPort() + "/sse/mobile/" + d2, TestTokens.device(t, u, d2))) {
            assertEquals(200, c1.status);
            assertEquals(200, c2.status);
            Thread.sleep(600);
            String id = streams.add(t, "schema_changed", null, null, null, "{\"type\":\"schema_changed\",\"version\":2}");
            SseClient.Event e1 = c1.next("schema_changed", 5);
            SseClient.Event e2 = c2.next("schema_changed", 5);
            assertNotNull(e1);
            assertNotNull(e2);
            assertEquals(id, e1.id());
            assertEquals(id, e2.id());
        }
    }
}

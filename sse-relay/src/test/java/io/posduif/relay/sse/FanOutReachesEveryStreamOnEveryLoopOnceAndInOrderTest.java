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

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batched fan-out (one task per event loop, one shared pre-encoded chunk per event) must
 * still give every stream exactly its events — each once, whole, in stream order — on every
 * event loop, interleaved with heartbeats written in batches on the same loops.
 */
@MicronautTest
class FanOutReachesEveryStreamOnEveryLoopOnceAndInOrderTest extends RelayTest {

    private static final int STREAMS = 40;
    private static final int ROUNDS = 10;

    @Inject
    EmbeddedServer server;
    @Inject
    Hub hub;
    final Streams streams = Streams.shared();

    @Override
    protected Map<String, String> extraProperties() {
        // several event loops even on a small machine; heartbeats often, so they mix with events
        return Map.of("micronaut.netty.event-loops.default.num-threads", "3", "posduif.relay.heartbeat", "200ms");
    }

    @AfterAll
    void close() {
        streams.close();
    }

    @Test
    void everyStreamGetsItsEventsOnceWholeAndInOrder() throws Exception {
        String t = TestTenants.create("fanout");
        UUID user = TestTenants.user(t, "mobile");
        List<SseClient> clients = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                String d = TestTenants.device(t, user);
                TestTenants.scopes(t, d, "k|" + (i % 2));
                devices.add(d);
                SseClient c = SseClient.open("http://localhost:" + server.getPort() + "/sse/mobile/" + d, TestTokens.device(t, user, d));
                assertEquals(200, c.status, c.errorBody);
                clients.add(c);
            }
            Thread.sleep(700); // the reader has picked up the tenant
            Set<Object> loops = new HashSet<>();
            hub.forEach(c -> {
                if (c.principal().tenant().equals(t)) {
                    loops.add(c.channel.eventLoop());
                }
            });
            assertTrue(loops.size() >= 2, "the streams are spread over several event loops: " + loops.size());

            // expected ids per parity: sync_required of its own key and every schema_changed
            List<List<String>> expected = List.of(new ArrayList<>(), new ArrayList<>());
            for (int r = 0; r < ROUNDS; r++) {
                for (int k = 0; k < 2; k++) {
                    String id = streams.add(t, "sync_required", "[\"k|" + k + "\"]", null, null, "{\"type\":\"sync_required\",\"cursor\":\"" + r + "." + k + "\"}");
                    expected.get(k).add(id + " sync_required {\"type\":\"sync_required\",\"cursor\":\"" + r + "." + k + "\"}");
                }
                String version = String.valueOf(r);
                String id = streams.add(t, "schema_changed", null, null, null, "{\"type\":\"schema_changed\",\"version\":" + version + "}");
                expected.forEach(l -> l.add(id + " schema_changed {\"type\":\"schema_changed\",\"version\":" + version + "}"));
            }
            for (int i = 0; i < STREAMS; i++) {
                List<String> want = expected.get(i % 2);
                List<String> got = new ArrayList<>();
                while (got.size() < want.size()) {
                    SseClient.Event e = clients.get(i).next(10);
                    if (e == null) {
                        break;
                    }
                    got.add(e.id() + " " + e.event() + " " + e.data());
                }
                assertEquals(want, got, "stream " + i + " (" + devices.get(i) + ")");
            }
            Thread.sleep(500);
            for (int i = 0; i < STREAMS; i++) {
                assertTrue(clients.get(i).events.isEmpty(), "nothing more, nothing twice, on stream " + i + ": " + clients.get(i).events);
                // ": connected" is the first comment; more are heartbeats
                assertTrue(clients.get(i).comments.get() >= 2, "heartbeats reach stream " + i + ": " + clients.get(i).comments.get());
            }
        } finally {
            for (SseClient c : clients) {
                c.close();
            }
        }
    }
}

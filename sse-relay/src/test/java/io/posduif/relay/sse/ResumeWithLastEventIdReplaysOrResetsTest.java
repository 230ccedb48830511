package io.posduif.relay.sse;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.protocol.RealtimeStream;
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

@MicronautTest
class ResumeWithLastEventIdReplaysOrResetsTest extends RelayTest {

    @Inject
    EmbeddedServer server;
    final Streams streams = Streams.shared();

    @AfterAll
    void close() {
        streams.close();
    }

    private SseClient open(String t, UUID u, String lastEventId) throws Exception {
        Map<String, String> h = lastEventId == null ? Map.of("Authorization", "Bearer " + TestTokens.web(t, u))
                : Map.of("Authorization", "Bearer " + TestTokens.web(t, u), "Last-Event-ID", lastEventId);
        SseClient c = SseClient.open("http://localhost:" + server.getPort() + "/sse/web/" + u, h);
        assertEquals(200, c.status, c.errorBody);
        return c;
    }

    private String note(String t, int n) {
        return streams.add(t, "message_read", null, null, null, "{\"type\":\"message_read\",\"message_id\":\"m" + n + "\"}");
    }

    @Test
    void aReconnectGetsWhatItMissedInOrderThenLiveEvents() throws Exception {
        String t = TestTenants.create("resume");
        UUID u = TestTenants.user(t, "web");
        String first;
        try (SseClient c = open(t, u, null)) {
            Thread.sleep(700);
            first = note(t, 1);
            assertEquals(first, c.next("message_read", 5).id());
        }
        String m2 = note(t, 2);
        String m3 = note(t, 3);
        try (SseClient c = open(t, u, first)) {
            SseClient.Event e2 = c.next(5);
            SseClient.Event e3 = c.next(5);
            assertEquals(m2, e2.id());
            assertEquals("{\"type\":\"message_read\",\"message_id\":\"m2\"}", e2.data());
            assertEquals(m3, e3.id());
            String m4 = note(t, 4);
            assertEquals(m4, c.next(5).id(), "then live, without repeating");
        }
    }

    @Test
    void aResumeFromATrimmedOrForeignIdIsToldToReset() throws Exception {
        String t = TestTenants.create("trimmed");
        UUID u = TestTenants.user(t, "web");
        String old = note(t, 1);
        note(t, 2);
        streams.connection().sync().xtrim(RealtimeStream.key(t), 0);
        String fresh = note(t, 3);
        try (SseClient c = open(t, u, old)) {
            SseClient.Event e = c.next(5);
            assertNotNull(e);
            assertEquals("reset", e.event());
            assertEquals("{\"type\":\"reset\"}", e.data());
            assertEquals(fresh, e.id(), "a reset moves the client to the stream's end");
            String m4 = note(t, 4);
            // generous: on 2 shared cores the reader may pick a just-created tenant up a read cycle late
            SseClient.Event live = c.next("message_read", 20);
            assertNotNull(live, "a live event must follow the reset");
            assertEquals(m4, live.id());
        }
        try (SseClient c = open(t, u, "garbage<script>")) {
            assertEquals("reset", c.next(5).event());
        }
        try (SseClient c = open(t, u, "99999999999999-0")) {
            assertEquals("reset", c.next(5).event(), "an id from the future: the stream was recreated");
        }
    }
}

package io.posduif.client;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SSE client against a plain JDK HTTP endpoint that writes a scripted event stream. */
class SseListenerResumesWithLastEventIdTest {
    private HttpServer server;
    private final List<String> lastEventIds = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private URI base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/sse/mobile/dev-1", ex -> {
            int n = connections.incrementAndGet();
            lastEventIds.add(String.valueOf(ex.getRequestHeaders().getFirst("Last-Event-ID")));
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            if (n == 1) {
                byte[] err = "{\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"expired\",\"details\":{}}}".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(401, err.length);
                ex.getResponseBody().write(err);
                ex.close();
                return;
            }
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            if (n == 2) {
                out.write((": heartbeat\n\nid: 41\nevent: sync_required\ndata: {\"type\":\"sync_required\",\n"
                        + "data: \"cursor\":\"9\"}\n\n").getBytes(StandardCharsets.UTF_8));
            } else {
                out.write(("id: 42\nevent: schema_changed\ndata: {\"type\":\"schema_changed\",\"version\":4}\n\n"
                        + "id: 43\nevent: device_revoked\ndata: {\"type\":\"device_revoked\"}\n\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
            ex.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void refreshesTokenOn401ResumesAfterDisconnectAndStopsWhenRevoked() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch revoked = new CountDownLatch(1);
        AtomicInteger refreshes = new AtomicInteger();
        SseListener.Tokens tokens = force -> {
            if (force) {
                refreshes.incrementAndGet();
                return "fresh";
            }
            return refreshes.get() == 0 ? "stale" : "fresh";
        };
        try (SseListener sse = new SseListener(HttpClient.newHttpClient(), base.resolve("/sse/mobile/dev-1"), tokens,
                (event, id, data) -> {
                    events.add(event + "#" + id + "#" + data);
                    if (event.equals("device_revoked")) {
                        revoked.countDown();
                    }
                }, new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 1))) {
            sse.start();
            assertTrue(revoked.await(10, TimeUnit.SECONDS), "events so far: " + events);
            Thread.sleep(400);

            assertEquals(List.of(
                    "sync_required#41#{\"type\":\"sync_required\",\"cursor\":\"9\"}",
                    "schema_changed#42#{\"type\":\"schema_changed\",\"version\":4}",
                    "device_revoked#43#{\"type\":\"device_revoked\"}"), events);
            assertEquals(List.of("null", "null", "41"), lastEventIds, "reconnect resumes after the last id seen");
            assertEquals(List.of("Bearer stale", "Bearer fresh", "Bearer fresh"), authorizations);
            assertEquals(3, connections.get(), "no reconnect after device_revoked");
            assertEquals("43", sse.lastEventId());
        }
    }
}

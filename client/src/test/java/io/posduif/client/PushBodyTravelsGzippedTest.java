package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.posduif.client.transport.HttpTransport;
import io.posduif.client.transport.UnreliableTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the SDK puts on the wire, observed by a plain JDK HTTP endpoint that records requests. */
class PushBodyTravelsGzippedTest {
    private HttpServer server;
    private final AtomicReference<String> contentEncoding = new AtomicReference<>();
    private final AtomicReference<String> acceptEncoding = new AtomicReference<>();
    private final AtomicReference<byte[]> rawBody = new AtomicReference<>();
    private final AtomicInteger requests = new AtomicInteger();
    private URI uri;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/sync/push", ex -> {
            requests.incrementAndGet();
            contentEncoding.set(ex.getRequestHeaders().getFirst("Content-Encoding"));
            acceptEncoding.set(ex.getRequestHeaders().getFirst("Accept-Encoding"));
            rawBody.set(ex.getRequestBody().readAllBytes());
            byte[] answer = Gzip.compress("{\"results\":[],\"cursor\":\"7\"}".getBytes(StandardCharsets.UTF_8));
            ex.getResponseHeaders().add("Content-Encoding", "gzip");
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.createContext("/api/broken", ex -> {
            byte[] answer = "{\"error\":{\"code\":\"RESET_REQUIRED\",\"message\":\"too old\",\"details\":{}}}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(409, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.start();
        uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void requestIsGzipAndGzipAnswerIsInflated() throws Exception {
        Api api = new Api(new HttpTransport());
        JsonNode body = Json.parse("{\"ops\":[{\"op_id\":\"x\",\"table\":\"notes\",\"op\":\"delete\",\"pk\":{\"id\":\"a\"}}]}");

        JsonNode answer = api.call("POST", uri.resolve("/api/sync/push"), body, "tok", "dev-1", true);

        assertEquals("gzip", contentEncoding.get());
        assertEquals("gzip", acceptEncoding.get());
        byte[] raw = rawBody.get();
        assertEquals(0x1f, raw[0] & 0xff);
        assertEquals(0x8b, raw[1] & 0xff);
        assertArrayEquals(Json.write(body).getBytes(StandardCharsets.UTF_8), Gzip.decompress(raw));
        assertEquals("7", answer.path("cursor").asText());
    }

    @Test
    void errorBodyBecomesApiExceptionWithProtocolCode() {
        Api api = new Api(new HttpTransport());
        ApiException e = assertThrows(ApiException.class, () -> api.call("GET", uri.resolve("/api/broken"), null, null, null, false));
        assertEquals(409, e.status());
        assertEquals("RESET_REQUIRED", e.code());
        assertEquals(false, e.isRetryable());
    }

    @Test
    void lostAcknowledgementReachesTheServerButFailsTheCaller() throws Exception {
        UnreliableTransport flaky = new UnreliableTransport(new HttpTransport(), 1);
        flaky.setLoseAckProbability(1.0);
        Api api = new Api(flaky);

        assertThrows(IOException.class, () -> api.call("POST", uri.resolve("/api/sync/push"), Json.object(), null, null, true));
        assertEquals(1, requests.get(), "the server processed it");
        assertEquals(1, flaky.lostAcks());

        flaky.setLoseAckProbability(0);
        flaky.setOffline(true);
        assertThrows(java.net.ConnectException.class, () -> api.call("POST", uri.resolve("/api/sync/push"), Json.object(), null, null, true));
        assertEquals(1, requests.get(), "offline: nothing reached the server");
    }

    @Test
    void backoffStaysWithinItsCap() {
        Backoff b = new Backoff(java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(1000), 5);
        for (int i = 0; i < 200; i++) {
            long d = b.delayMillis(i % 10);
            org.junit.jupiter.api.Assertions.assertTrue(d >= 0 && d <= Math.min(1000, 100L << (i % 10)), "delay " + d);
        }
    }
}

package io.posduif.relay.ops;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.relay.support.RelayTest;
import io.posduif.relay.support.SseClient;
import io.posduif.relay.support.Streams;
import io.posduif.relay.support.TestTenants;
import io.posduif.relay.support.TestTokens;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With a Redis of its own: streams stay open through an outage, /health says 503 meanwhile,
 * and when Redis is back every stream gets {@code reset} (events of the outage may be lost) and
 * live events flow again.
 */
class RedisOutageResetsStreamsAndHealthShowsItTest {

    @Test
    void streamsSurviveAnOutageAndAreToldToResync() throws Exception {
        int port = EmbeddedStack.freePort();
        RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"").build();
        redis.start();
        Map<String, Object> p = new HashMap<>(RelayTest.baseProperties("redis://127.0.0.1:" + port));
        String t = TestTenants.create("outage");
        UUID u = TestTenants.user(t, "mobile");
        String d = TestTenants.device(t, u);
        HttpClient http = HttpClient.newHttpClient();
        try (EmbeddedServer relay = ApplicationContext.run(EmbeddedServer.class, p);
             SseClient c = SseClient.open("http://localhost:" + relay.getPort() + "/sse/mobile/" + d, TestTokens.device(t, u, d))) {
            assertEquals(200, c.status);
            URI health = URI.create("http://localhost:" + relay.getPort() + "/health");
            assertEquals(200, http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode());

            redis.stop();
            Thread.sleep(1500);
            HttpResponse<String> down = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, down.statusCode(), down.body());
            // the wire error format of docs/protocol.md §2, like functions' /health
            assertTrue(down.body().startsWith("{\"error\":{\"code\":\"SERVICE_UNAVAILABLE\""), down.body());
            assertTrue(down.body().contains("\"checks\":{\"postgres\":\"UP\",\"redis\":\"DOWN\"}"), down.body());
            assertTrue(!c.closedByServer.get(), "device streams stay open while Redis is down");

            redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"").build();
            redis.start();
            SseClient.Event reset = c.next("reset", 15);
            assertNotNull(reset, "after the outage every stream is told to pull");
            try (Streams s = new Streams("redis://127.0.0.1:" + port)) {
                s.add(t, "schema_changed", null, null, null, "{\"type\":\"schema_changed\",\"version\":9}");
                assertNotNull(c.next("schema_changed", 5), "live events flow again");
            }
            long deadline = System.currentTimeMillis() + 5000;
            int status = 0;
            while (status != 200 && System.currentTimeMillis() < deadline) {
                status = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                Thread.sleep(100);
            }
            assertEquals(200, status);
        } finally {
            redis.stop();
        }
    }
}

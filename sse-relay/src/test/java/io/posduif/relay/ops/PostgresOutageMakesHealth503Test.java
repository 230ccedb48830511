package io.posduif.relay.ops;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.relay.support.RelayTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With a PostgreSQL of its own (a second embedded server, stopped mid-test): while the database
 * is gone the relay can open no stream and publish no out-of-band change, so /health must say
 * 503 — in the wire error format, promptly, not after a pool's 30 s wait — and name PostgreSQL
 * as the dependency that is down while Redis stays up.
 */
class PostgresOutageMakesHealth503Test {

    @Test
    void healthIs503InTheErrorFormatWhilePostgresIsDown() throws Exception {
        EmbeddedStack own = EmbeddedStack.start(Files.createTempDirectory("posduif-pg-outage-"), 0, -1);
        boolean stopped = false;
        Map<String, Object> p = new HashMap<>(RelayTest.baseProperties(EmbeddedStack.shared().redisUrl()));
        p.put("datasources.default.url", own.jdbcUrl());
        HttpClient http = HttpClient.newHttpClient();
        try (EmbeddedServer relay = ApplicationContext.run(EmbeddedServer.class, p)) {
            URI health = URI.create("http://localhost:" + relay.getPort() + "/health");
            HttpResponse<String> up = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, up.statusCode(), up.body());

            own.close();
            stopped = true;
            long t0 = System.nanoTime();
            HttpResponse<String> down = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(503, down.statusCode(), down.body());
            assertTrue(down.body().startsWith("{\"error\":{\"code\":\"SERVICE_UNAVAILABLE\",\"message\":"), down.body());
            assertTrue(down.body().contains("\"details\":{\"status\":\"DOWN\",\"checks\":{\"postgres\":\"DOWN\",\"redis\":\"UP\"}}"), down.body());
            assertTrue(ms < 10_000, "a load balancer's check must not hang on the dead database: " + ms + " ms");
        } finally {
            if (!stopped) {
                own.close();
            }
        }
    }
}

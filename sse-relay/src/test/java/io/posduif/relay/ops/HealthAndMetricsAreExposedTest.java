package io.posduif.relay.ops;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.relay.support.RelayTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class HealthAndMetricsAreExposedTest extends RelayTest {

    @Inject
    EmbeddedServer server;

    @Test
    void healthChecksPostgresAndRedisAndPrometheusHasRelayMeters() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        // the same body as functions' /health
        assertEquals("{\"status\":\"UP\",\"checks\":{\"postgres\":\"UP\",\"redis\":\"UP\"}}", health.body());
        HttpResponse<String> prom = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + "/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, prom.statusCode());
        assertTrue(prom.body().contains("posduif_relay_connections"), prom.body().substring(0, Math.min(500, prom.body().length())));
    }
}

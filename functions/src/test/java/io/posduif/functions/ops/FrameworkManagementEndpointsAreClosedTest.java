package io.posduif.functions.ops;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Api;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Micronaut's management endpoints default to "sensitive", which lets any valid token in: a
 * device could read /beans, /routes, /threaddump, /flyway and POST /refresh, and /token_info
 * echoed its claims. Only /prometheus (and our own /health) are meant to exist.
 */
@MicronautTest
class FrameworkManagementEndpointsAreClosedTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient http;
    @Inject
    Fixtures fixtures;

    @Test
    void aDeviceTokenReachesNoManagementEndpoint() {
        var tenant = fixtures.newTenant("mgmt");
        var device = fixtures.device(tenant, fixtures.mobileUser(tenant).id());
        var admin = fixtures.webUser(tenant, "admin");
        Api api = new Api(http);
        for (String path : new String[]{"/beans", "/routes", "/threaddump", "/flyway", "/metrics", "/info", "/loggers",
                "/env", "/token_info", "/stop", "/caches"}) {
            for (String token : new String[]{null, device.token(), admin.token()}) {
                Api.Resp r = api.get(path, token);
                assertEquals(404, r.status(), path + " with " + (token == null ? "no token" : "a token") + ": " + r);
            }
        }
        Api.Resp refresh = api.call(HttpRequest.POST("/refresh", Map.of()).bearerAuth(device.token()));
        assertEquals(404, refresh.status(), refresh.toString());
    }

    @Test
    void prometheusStaysOpenForTheScraper() {
        try {
            String text = http.toBlocking().retrieve(HttpRequest.GET("/prometheus"));
            assertTrue(text.contains("# TYPE"), text.substring(0, Math.min(200, text.length())));
        } catch (HttpClientResponseException e) {
            throw new AssertionError("/prometheus: " + e.getStatus(), e);
        }
    }
}

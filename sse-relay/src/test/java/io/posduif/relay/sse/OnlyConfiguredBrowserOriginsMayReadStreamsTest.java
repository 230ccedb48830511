package io.posduif.relay.sse;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.relay.support.RelayTest;
import io.posduif.relay.support.TestTenants;
import io.posduif.relay.support.TestTokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CORS from the side of a page on another site holding a stolen web token: the browser lets a
 * page read a cross-origin stream only if the relay names that page's origin. A relay names
 * exactly its configured console origin(s), and without configuration none — no default
 * wildcard — while devices (no {@code Origin}) are unaffected.
 */
@MicronautTest
class OnlyConfiguredBrowserOriginsMayReadStreamsTest extends RelayTest {

    private static final String CONSOLE = "https://console.example.test";
    private static final String EVIL = "https://evil.example.test";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Inject
    EmbeddedServer relay;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.relay.allowed-origin", "https://other-console.example.test, " + CONSOLE);
    }

    /** Opens the stream (or preflights it) and returns status and the CORS answer; the body is not read. */
    private static HttpResponse<InputStream> request(EmbeddedServer server, String method, String path, String origin, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (origin != null) {
            r.header("Origin", origin);
        }
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        if (method.equals("OPTIONS")) {
            r.header("Access-Control-Request-Method", "GET").header("Access-Control-Request-Headers", "authorization, last-event-id");
        }
        HttpResponse<InputStream> resp = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (resp.statusCode() == 200) {
            resp.body().close(); // an open stream: the headers are all this test needs
        }
        return resp;
    }

    private static Optional<String> allowOrigin(HttpResponse<?> r) {
        return r.headers().firstValue("Access-Control-Allow-Origin");
    }

    @Test
    void theConfiguredConsoleMayReadAndAnotherSiteMayNot() throws Exception {
        String t = TestTenants.create("cors");
        UUID u = TestTenants.user(t, "web");
        String path = "/sse/web/" + u;
        String token = TestTokens.web(t, u);

        HttpResponse<InputStream> console = request(relay, "GET", path, CONSOLE, token);
        assertEquals(200, console.statusCode());
        assertEquals(Optional.of(CONSOLE), allowOrigin(console), "the console's own origin is named, not *");
        assertTrue(console.headers().allValues("Vary").stream().anyMatch(v -> v.contains("origin") || v.contains("Origin")),
                "the answer varies by Origin: " + console.headers().map());

        HttpResponse<InputStream> preflight = request(relay, "OPTIONS", path, CONSOLE, null);
        assertEquals(204, preflight.statusCode());
        assertEquals(Optional.of(CONSOLE), allowOrigin(preflight));
        assertTrue(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").contains("Authorization"));

        HttpResponse<InputStream> evil = request(relay, "GET", path, EVIL, token);
        assertEquals(Optional.empty(), allowOrigin(evil), "another site's page must not be allowed to read the stream");
        HttpResponse<InputStream> evilPreflight = request(relay, "OPTIONS", path, EVIL, null);
        assertEquals(403, evilPreflight.statusCode(), "another site is refused permission to send the token");
        assertEquals(Optional.empty(), allowOrigin(evilPreflight));
        assertTrue(new String(evilPreflight.body().readAllBytes()).contains("\"code\":\"FORBIDDEN\""));

        HttpResponse<InputStream> device = request(relay, "GET", path, null, token);
        assertEquals(200, device.statusCode(), "clients without Origin (devices, servers) are unaffected");
        assertEquals(Optional.empty(), allowOrigin(device));
    }

    @Test
    void withoutConfigurationNoOriginIsAllowedAndThereIsNoWildcard() throws Exception {
        String t = TestTenants.create("cors_default");
        UUID u = TestTenants.user(t, "web");
        String path = "/sse/web/" + u;
        try (EmbeddedServer bare = ApplicationContext.run(EmbeddedServer.class, new java.util.HashMap<String, Object>(RelayTest.baseProperties(stack().redisUrl())))) {
            HttpResponse<InputStream> open = request(bare, "GET", path, "http://localhost:8080", TestTokens.web(t, u));
            assertEquals(200, open.statusCode());
            assertEquals(Optional.empty(), allowOrigin(open), "no Access-Control-Allow-Origin, least of all *");
            HttpResponse<InputStream> preflight = request(bare, "OPTIONS", path, "http://localhost:8080", null);
            assertEquals(403, preflight.statusCode());
            assertEquals(Optional.empty(), allowOrigin(preflight));
        }
    }
}

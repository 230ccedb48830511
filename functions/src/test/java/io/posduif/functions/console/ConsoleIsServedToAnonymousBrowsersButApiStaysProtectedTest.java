package io.posduif.functions.console;

import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class ConsoleIsServedToAnonymousBrowsersButApiStaysProtectedTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient http;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.relay.public-url", "https://relay.example.test/", "posduif.console.default-tenant", "demo");
    }

    @Test
    void rootServesTheConsolePageWithoutAToken() {
        HttpResponse<String> res = http.toBlocking().exchange(HttpRequest.GET("/"), String.class);
        assertEquals(HttpStatus.OK, res.status());
        assertTrue(res.getContentType().orElseThrow().toString().startsWith("text/html"));
        String body = res.body();
        assertTrue(body.contains("<script type=\"module\" src=\"assets/app.js\">"), body);
    }

    @Test
    void assetsAreServedWithTheirMediaTypes() {
        HttpResponse<String> js = http.toBlocking().exchange(HttpRequest.GET("/assets/app.js"), String.class);
        assertTrue(js.getContentType().orElseThrow().toString().contains("javascript"), js.getContentType().toString());
        assertTrue(js.body().contains("/api/auth/login"));
        HttpResponse<String> view = http.toBlocking().exchange(HttpRequest.GET("/assets/views/enroll.js"), String.class);
        assertTrue(view.body().contains("device_enrolled"));
        HttpResponse<String> css = http.toBlocking().exchange(HttpRequest.GET("/assets/styles.css"), String.class);
        assertTrue(css.getContentType().orElseThrow().toString().startsWith("text/css"));
    }

    @Test
    void configTellsTheRelayUrlAnonymously() {
        Map<String, Object> body = http.toBlocking().retrieve(HttpRequest.GET("/api/console/config"), Argument.mapOf(String.class, Object.class));
        assertEquals("https://relay.example.test", body.get("relay_url"));
        assertEquals("demo", body.get("default_tenant"));
    }

    @Test
    void anApiEndpointIsNotOpenedByTheStaticRules() {
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().exchange(HttpRequest.GET("/api/console-probe/secret"), String.class));
        assertEquals(HttpStatus.UNAUTHORIZED, e.getStatus());
        assertFalse(e.getResponse().getBody(String.class).orElse("").contains("s3cret"));
    }

    @Test
    void assetPathTraversalDoesNotReachOtherClasspathFiles() {
        for (String path : new String[]{"/assets/../application.yml", "/assets/%2e%2e/application.yml",
                "/application.yml", "/assets/..%2fapplication.yml", "/logback-test.xml"}) {
            try {
                HttpResponse<String> res = http.toBlocking().exchange(HttpRequest.GET(path), String.class);
                String body = res.body() == null ? "" : res.body();
                assertFalse(body.contains("jws-algorithm") || body.contains("datasources"), path + " leaked configuration");
            } catch (HttpClientResponseException e) {
                assertNotEquals(200, e.getStatus().getCode(), path);
                assertTrue(e.getStatus().getCode() >= 400 && e.getStatus().getCode() < 500, path + " -> " + e.getStatus());
            }
        }
    }

    @Test
    void writesToStaticPathsAre405WithTheWireError() {
        for (String path : new String[]{"/", "/index.html", "/assets/app.js"}) {
            HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
                    () -> http.toBlocking().exchange(HttpRequest.POST(path, "{}"), String.class));
            assertEquals(HttpStatus.METHOD_NOT_ALLOWED, e.getStatus(), path);
            assertTrue(e.getResponse().getBody(String.class).orElse("").contains("\"METHOD_NOT_ALLOWED\""), path);
        }
        HttpClientResponseException del = assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().exchange(HttpRequest.DELETE("/assets/styles.css"), String.class));
        assertEquals(HttpStatus.METHOD_NOT_ALLOWED, del.getStatus());
    }

    /** A protected endpoint that exists only in this test, to see the static-file rules do not open it. */
    @Controller("/api/console-probe")
    @Secured(SecurityRule.IS_AUTHENTICATED)
    static class ProbeController {
        @Get("/secret")
        String secret() {
            return "s3cret";
        }
    }
}

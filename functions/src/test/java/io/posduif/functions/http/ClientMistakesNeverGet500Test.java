package io.posduif.functions.http;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sends what broken and hostile clients send and checks that every answer is a 4xx in the
 * wire error format with the expected code; server failures are 5xx without internals.
 */
@MicronautTest
class ClientMistakesNeverGet500Test extends StackTest {

    @Inject
    EmbeddedServer server;
    @Inject
    Fixtures fixtures;

    RawHttp http;
    String webToken;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.test.probe-routes", "true", "posduif.admin.token", "operator-token-0123456789abcdef");
    }

    @BeforeAll
    void setUp() {
        http = new RawHttp(server.getURI());
        TenantId t = fixtures.newTenant("mistakes");
        webToken = fixtures.webUser(t).token();
    }

    record Case(String name, String method, String path, Map<String, String> headers, String body, int status, String code) {
    }

    private List<Case> cases() {
        Map<String, String> json = Map.of("Content-Type", "application/json");
        Map<String, String> admin = Map.of("Content-Type", "application/json", "Authorization", "Bearer operator-token-0123456789abcdef");
        Map<String, String> user = new HashMap<>(json);
        user.put("Authorization", "Bearer " + webToken);
        List<Case> cs = new ArrayList<>();
        cs.add(new Case("truncated json", "POST", "/test-only/body", json, "{\"count\":", 400, "MALFORMED_REQUEST"));
        cs.add(new Case("not json", "POST", "/test-only/body", json, "hello", 400, "MALFORMED_REQUEST"));
        cs.add(new Case("wrong type", "POST", "/test-only/body", json, "{\"count\":\"many\"}", 400, "MALFORMED_REQUEST"));
        cs.add(new Case("wrong nested type", "POST", "/test-only/body", json, "{\"count\":1,\"names\":{\"a\":1}}", 400, "MALFORMED_REQUEST"));
        cs.add(new Case("array for object", "POST", "/test-only/body", json, "[1,2]", 400, "MALFORMED_REQUEST"));
        cs.add(new Case("empty body", "POST", "/test-only/body", json, "", 400, null));
        cs.add(new Case("admin truncated json", "POST", "/api/admin/tenants", admin, "{\"id\":", 400, "MALFORMED_REQUEST"));
        cs.add(new Case("bad query type", "GET", "/test-only/query?limit=abc", Map.of(), null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("missing query", "GET", "/test-only/query", Map.of(), null, 400, "VALIDATION_ERROR"));
        cs.add(new Case("unknown path", "GET", "/api/no/such/thing", Map.of(), null, 404, "NOT_FOUND"));
        cs.add(new Case("unknown path with token", "GET", "/api/no/such/thing", user, null, 404, "NOT_FOUND"));
        cs.add(new Case("unknown path, garbage token", "GET", "/api/no/such/thing", Map.of("Authorization", "Bearer x.y.z"), null, 404, "NOT_FOUND"));
        cs.add(new Case("wrong method", "PUT", "/api/admin/tenants", admin, "{}", 405, "METHOD_NOT_ALLOWED"));
        cs.add(new Case("wrong method on probe", "DELETE", "/test-only/body", json, null, 405, "METHOD_NOT_ALLOWED"));
        cs.add(new Case("text body", "POST", "/test-only/body", Map.of("Content-Type", "text/plain"), "{\"count\":1}", 415, "UNSUPPORTED_MEDIA_TYPE"));
        cs.add(new Case("xml body", "POST", "/test-only/body", Map.of("Content-Type", "application/xml"), "<a/>", 415, "UNSUPPORTED_MEDIA_TYPE"));
        cs.add(new Case("no auth", "GET", "/test-only/whoami", Map.of(), null, 401, "UNAUTHORIZED"));
        cs.add(new Case("garbage bearer", "GET", "/test-only/whoami", Map.of("Authorization", "Bearer garbage"), null, 401, "UNAUTHORIZED"));
        cs.add(new Case("garbage jwt", "GET", "/test-only/whoami", Map.of("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA"), null, 401, "UNAUTHORIZED"));
        cs.add(new Case("basic auth", "GET", "/test-only/whoami", Map.of("Authorization", "Basic dXNlcjpwYXNz"), null, 401, "UNAUTHORIZED"));
        cs.add(new Case("empty bearer", "GET", "/test-only/whoami", Map.of("Authorization", "Bearer "), null, 401, "UNAUTHORIZED"));
        cs.add(new Case("tampered token", "GET", "/test-only/whoami", Map.of("Authorization", "Bearer " + tamper(webToken)), null, 401, "UNAUTHORIZED"));
        cs.add(new Case("no auth, bad json", "POST", "/test-only/echo", json, "{", 401, "UNAUTHORIZED"));
        cs.add(new Case("auth, bad json", "POST", "/test-only/echo", user, "{", 400, "MALFORMED_REQUEST"));
        cs.add(new Case("missing role", "GET", "/test-only/admin-only", user, null, 403, "FORBIDDEN"));
        return cs;
    }

    private static String tamper(String jwt) {
        int dot = jwt.indexOf('.') + 1;
        char c = jwt.charAt(dot + 2);
        return jwt.substring(0, dot + 2) + (c == 'A' ? 'B' : 'A') + jwt.substring(dot + 3);
    }

    @Test
    void everyMistakeIsA4xxInTheWireFormat() {
        List<String> failures = new ArrayList<>();
        for (Case c : cases()) {
            RawHttp.Response r = http.send(c.method(), c.path(), c.headers(), c.body() == null ? null : c.body().getBytes(StandardCharsets.UTF_8));
            try {
                String code = http.errorCode(r);
                if (r.status() != c.status() || (c.code() != null && !c.code().equals(code))) {
                    failures.add(c.name() + ": expected " + c.status() + " " + c.code() + ", got " + r.status() + " " + r.text());
                }
            } catch (AssertionError e) {
                failures.add(c.name() + ": " + e.getMessage());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void anAuthenticatedCallStillWorks() {
        RawHttp.Response r = http.get("/test-only/whoami", Map.of("Authorization", "Bearer " + webToken));
        assertEquals(200, r.status(), r.text());
        assertTrue(r.text().contains("\"kind\":\"WEB\""));
    }

    @Test
    void aBugIs500WithoutInternals() {
        RawHttp.Response r = http.get("/test-only/boom", Map.of());
        assertEquals(500, r.status());
        assertEquals("INTERNAL_ERROR", http.errorCode(r));
        assertFalse(r.text().contains(ErrorProbeController.SECRET), r.text());
        assertFalse(r.text().contains("IllegalStateException"), r.text());
    }

    @Test
    void aDatabaseFailureIs503WithoutSql() {
        RawHttp.Response r = http.get("/test-only/db", Map.of());
        assertEquals(503, r.status());
        assertEquals("DATABASE_ERROR", http.errorCode(r));
        assertFalse(r.text().contains(ErrorProbeController.SECRET), r.text());
        assertFalse(r.text().contains("secret_table"), r.text());
    }
}

package io.posduif.functions.tenant;

import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.posduif.functions.support.RawHttp.bearer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class AdminTenantApiNeedsTheOperatorTokenTest extends StackTest {

    static final String OPERATOR = "operator-token-for-tests-0123456789";

    @Inject
    EmbeddedServer server;
    @Inject
    Tenants tenants;
    @Inject
    Fixtures fixtures;

    RawHttp http;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.admin.token", OPERATOR);
    }

    @BeforeAll
    void client() {
        http = new RawHttp(server.getURI());
    }

    private String freshId(String prefix) {
        return prefix + "_" + Long.toString(System.nanoTime() % 100_000_000L, 36);
    }

    @Test
    void createIs201ThenIdempotent200AndListed() {
        String id = freshId("adm");
        RawHttp.Response first = http.postJson("/api/admin/tenants", bearer(OPERATOR), "{\"id\":\"" + id + "\"}");
        assertEquals(201, first.status(), first.text());
        assertEquals(id, http.json(first).get("id").getStringValue());
        assertEquals("tenant_" + id, http.json(first).get("schema").getStringValue());
        RawHttp.Response again = http.postJson("/api/admin/tenants", bearer(OPERATOR), "{\"id\":\"" + id + "\"}");
        assertEquals(200, again.status(), again.text());
        RawHttp.Response list = http.get("/api/admin/tenants", bearer(OPERATOR));
        assertEquals(200, list.status());
        assertTrue(list.text().contains("\"id\":\"" + id + "\""), list.text());
    }

    @Test
    void missingWrongOrUserTokensAre401AndCreateNothing() {
        String id = freshId("nope");
        String webToken = fixtures.webUser(fixtures.newTenant("adm_web"), "admin").token();
        for (Map<String, String> headers : java.util.List.<Map<String, String>>of(
                Map.of(), bearer("wrong"), bearer(OPERATOR + "x"), bearer(OPERATOR.substring(1)),
                Map.of("Authorization", "Basic " + OPERATOR), Map.of("Authorization", OPERATOR),
                bearer(webToken), bearer("eyJhbGciOiJIUzI1NiJ9.garbage.garbage"))) {
            RawHttp.Response r = http.postJson("/api/admin/tenants", headers, "{\"id\":\"" + id + "\"}");
            assertEquals(401, r.status(), headers + " -> " + r.text());
            assertEquals("UNAUTHORIZED", http.errorCode(r));
            assertEquals(401, http.get("/api/admin/tenants", headers).status());
            RawHttp.Response d = http.send("DELETE", "/api/admin/tenants/" + id + "?confirm=" + id, headers, null);
            assertEquals(401, d.status());
        }
        assertFalse(tenants.exists(id));
    }

    @Test
    void badIdsAndBodiesAre400AndCreateNothing() {
        int before = tenants.list().size();
        for (String body : new String[]{"{\"id\":\"Bad-Id\"}", "{\"id\":\"\"}", "{}", "{\"id\":\"x; drop schema public\"}",
                "{\"id\":\"" + "a".repeat(41) + "\"}", "{\"id\":null}"}) {
            RawHttp.Response r = http.postJson("/api/admin/tenants", bearer(OPERATOR), body);
            assertEquals(400, r.status(), body + " -> " + r.text());
            assertEquals("VALIDATION_ERROR", http.errorCode(r));
        }
        for (String body : new String[]{"{\"id\":", "not json", "{\"id\":42}", "{\"id\":[\"a\"]}", "[]"}) {
            RawHttp.Response r = http.postJson("/api/admin/tenants", bearer(OPERATOR), body);
            assertEquals(400, r.status(), body + " -> " + r.text());
            http.errorCode(r);
        }
        assertEquals(before, tenants.list().size());
    }

    @Test
    void dropNeedsConfirmationEqualToTheId() {
        String id = freshId("gone");
        tenants.create(new TenantId(id));
        for (String q : new String[]{"", "?confirm=", "?confirm=yes", "?confirm=" + id + "x"}) {
            RawHttp.Response r = http.send("DELETE", "/api/admin/tenants/" + id + q, bearer(OPERATOR), null);
            assertEquals(400, r.status(), q + " -> " + r.text());
            assertEquals("CONFIRMATION_REQUIRED", http.errorCode(r));
            assertTrue(tenants.find(id).isPresent());
        }
        RawHttp.Response ok = http.send("DELETE", "/api/admin/tenants/" + id + "?confirm=" + id, bearer(OPERATOR), null);
        assertEquals(200, ok.status(), ok.text());
        assertTrue(tenants.find(id).isEmpty());
        RawHttp.Response again = http.send("DELETE", "/api/admin/tenants/" + id + "?confirm=" + id, bearer(OPERATOR), null);
        assertEquals(404, again.status());
        assertEquals("TENANT_NOT_FOUND", http.errorCode(again));
        RawHttp.Response bad = http.send("DELETE", "/api/admin/tenants/Bad%20Id?confirm=Bad%20Id", bearer(OPERATOR), null);
        assertEquals(400, bad.status());
        assertEquals("VALIDATION_ERROR", http.errorCode(bad));
    }
}

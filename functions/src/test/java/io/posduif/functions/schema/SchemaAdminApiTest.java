package io.posduif.functions.schema;

import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class SchemaAdminApiTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient http;
    @Inject
    Fixtures fixtures;
    @Inject
    SchemaRegistry registry;

    static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);

    private Map<String, Object> post(String path, String token, Object body, MediaType type) {
        return http.toBlocking().retrieve(HttpRequest.POST(path, body).contentType(type).bearerAuth(token), MAP);
    }

    private HttpClientResponseException fails(HttpRequest<?> req) {
        return assertThrows(HttpClientResponseException.class, () -> http.toBlocking().exchange(req, String.class));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(HttpClientResponseException e) {
        return (Map<String, Object>) e.getResponse().getBody(MAP).orElseThrow().get("error");
    }

    @Test
    @SuppressWarnings("unchecked")
    void adminValidatesPlansAppliesAndListsVersions() throws Exception {
        TenantId t = fixtures.newTenant("sadmin");
        Fixtures.User admin = fixtures.webUser(t, "admin");
        String demo = Files.readString(Path.of("../infra/tenants/demo.yaml"));

        Map<String, Object> valid = post("/api/admin/schema/validate", admin.token(), demo, MediaType.TEXT_PLAIN_TYPE);
        assertEquals(true, valid.get("valid"));
        assertTrue(((List<String>) valid.get("tables")).contains("messages"));

        Map<String, Object> plan = post("/api/admin/schema/plan", admin.token(), Map.of("source", demo), MediaType.APPLICATION_JSON_TYPE);
        assertEquals(true, plan.get("changed"));
        assertEquals(false, plan.get("applied"));
        assertFalse(((List<?>) plan.get("steps")).isEmpty());
        assertEquals(0, registry.current(t).version(), "plan is a dry run");

        Map<String, Object> applied = post("/api/admin/schema/apply", admin.token(), Map.of("source", demo, "file", "demo.yaml"), MediaType.APPLICATION_JSON_TYPE);
        assertEquals(1, applied.get("version"));
        assertEquals(true, applied.get("applied"));
        Map<String, Object> again = post("/api/admin/schema/apply", admin.token(), demo, MediaType.of("application/yaml"));
        assertEquals(false, again.get("changed"));

        Map<String, Object> versions = http.toBlocking().retrieve(HttpRequest.GET("/api/admin/schema/versions").bearerAuth(admin.token()), MAP);
        List<Map<String, Object>> list = (List<Map<String, Object>>) versions.get("versions");
        assertEquals(1, list.size());
        assertTrue(((String) list.get(0).get("checksum")).startsWith("sha256:"));
        assertEquals("web:" + admin.id(), list.get(0).get("applied_by"));

        // destructive: dropping audit_log is refused without the flag, applied with it
        String smaller = demo.substring(0, demo.indexOf("  # Server-side audit trail"));
        HttpClientResponseException refused = fails(HttpRequest.POST("/api/admin/schema/apply", Map.of("source", smaller))
                .bearerAuth(admin.token()));
        assertEquals(HttpStatus.CONFLICT, refused.getStatus());
        assertEquals("DESTRUCTIVE_CHANGE", error(refused).get("code"));
        assertEquals(1, registry.current(t).version());
        Map<String, Object> forced = post("/api/admin/schema/apply", admin.token(), Map.of("source", smaller, "allow_destructive", true), MediaType.APPLICATION_JSON_TYPE);
        assertEquals(2, forced.get("version"));
        assertEquals(true, forced.get("destructive"));

        // the console's read-only view, for any web user of the tenant
        Fixtures.User web = fixtures.webUser(t);
        Map<String, Object> view = http.toBlocking().retrieve(HttpRequest.GET("/api/schema").bearerAuth(web.token()), MAP);
        assertEquals(2, view.get("version"));
        Map<String, Object> messages = ((List<Map<String, Object>>) view.get("tables")).stream().filter(m -> m.get("name").equals("messages")).findFirst().orElseThrow();
        assertEquals("sender_id = :user_id OR recipient_id = :user_id", messages.get("filter"));
        assertEquals("mobile-synced", messages.get("sync"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void invalidSchemaIs422WithEveryErrorAndChangesNothing() {
        TenantId t = fixtures.newTenant("sadmbad");
        Fixtures.User admin = fixtures.webUser(t, "admin");
        String bad = "tables:\n  things:\n    sync: web-only\n    columns:\n      id: { type: uuid, primary_key: true }\n      body: { type: varchar }\n      order: { type: text }\n";
        HttpClientResponseException e = fails(HttpRequest.POST("/api/admin/schema/apply", Map.of("source", bad, "file", "t.yaml")).bearerAuth(admin.token()));
        assertEquals(422, e.getStatus().getCode());
        Map<String, Object> err = error(e);
        assertEquals("SCHEMA_INVALID", err.get("code"));
        List<Map<String, Object>> errors = (List<Map<String, Object>>) ((Map<String, Object>) err.get("details")).get("errors");
        assertEquals(2, errors.size());
        assertEquals("t.yaml:6: tables.things.columns.body.type: unknown type 'varchar'; one of text, integer, real, boolean, uuid, timestamp, date, json, blob",
                errors.get(0).get("text"));
        assertEquals(6, errors.get(0).get("line"));
        assertEquals(0, registry.current(t).version());
    }

    @Test
    void onlyAdminsOfTheTenantMayAdminister() {
        TenantId t = fixtures.newTenant("sadmauth");
        Fixtures.User web = fixtures.webUser(t);
        Fixtures.User mobile = fixtures.mobileUser(t);
        Fixtures.Device device = fixtures.device(t, mobile.id());
        String src = "tables:\n  a:\n    sync: web-only\n    columns:\n      id: { type: uuid, primary_key: true }\n";
        HttpClientResponseException notAdmin = fails(HttpRequest.POST("/api/admin/schema/apply", src).contentType(MediaType.TEXT_PLAIN).bearerAuth(web.token()));
        assertEquals(HttpStatus.FORBIDDEN, notAdmin.getStatus());
        HttpClientResponseException deviceToken = fails(HttpRequest.POST("/api/admin/schema/apply", src).contentType(MediaType.TEXT_PLAIN).bearerAuth(device.token()));
        assertEquals(HttpStatus.UNAUTHORIZED, deviceToken.getStatus());
        HttpClientResponseException anonymous = fails(HttpRequest.POST("/api/admin/schema/apply", src).contentType(MediaType.TEXT_PLAIN));
        assertEquals(HttpStatus.UNAUTHORIZED, anonymous.getStatus());
        HttpClientResponseException noSource = fails(HttpRequest.POST("/api/admin/schema/plan", Map.of("src", src)).bearerAuth(fixtures.webUser(t, "admin").token()));
        assertEquals(HttpStatus.BAD_REQUEST, noSource.getStatus());
        assertEquals("VALIDATION_ERROR", error(noSource).get("code"));
        HttpClientResponseException badJson = fails(HttpRequest.POST("/api/admin/schema/plan", "{\"source\": ").contentType(MediaType.APPLICATION_JSON)
                .bearerAuth(fixtures.webUser(t, "admin").token()));
        assertEquals(HttpStatus.BAD_REQUEST, badJson.getStatus());
        assertEquals(0, registry.current(t).version());
        // an admin of another tenant applies to their own tenant only
        TenantId other = fixtures.newTenant("sadmoth");
        Fixtures.User otherAdmin = fixtures.webUser(other, "admin");
        HttpResponse<String> ok = http.toBlocking().exchange(HttpRequest.POST("/api/admin/schema/apply", src).contentType(MediaType.TEXT_PLAIN).bearerAuth(otherAdmin.token()), String.class);
        assertEquals(HttpStatus.OK, ok.getStatus());
        assertEquals(0, registry.current(t).version());
        assertEquals(1, registry.current(other).version());
    }
}

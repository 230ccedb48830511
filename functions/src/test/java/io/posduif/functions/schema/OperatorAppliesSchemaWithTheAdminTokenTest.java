package io.posduif.functions.schema;

import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
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
import static org.junit.jupiter.api.Assertions.assertThrows;

@MicronautTest
class OperatorAppliesSchemaWithTheAdminTokenTest extends StackTest {

    static final String TOKEN = "operator-token-for-schema-tests-0123456789";
    static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);

    @Inject
    @Client("/")
    HttpClient http;
    @Inject
    Fixtures fixtures;
    @Inject
    SchemaRegistry registry;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.admin.token", TOKEN);
    }

    @Test
    @SuppressWarnings("unchecked")
    void operatorPlansAppliesAndListsVersionsOfATenant() throws Exception {
        TenantId t = fixtures.newTenant("sop");
        String demo = Files.readString(Path.of("../infra/tenants/demo.yaml"));
        Map<String, Object> plan = http.toBlocking().retrieve(HttpRequest.POST("/api/admin/tenants/" + t.value() + "/schema/plan", demo)
                .contentType(MediaType.TEXT_PLAIN).bearerAuth(TOKEN), MAP);
        assertEquals(true, plan.get("changed"));
        assertEquals(0, registry.current(t).version());
        Map<String, Object> applied = http.toBlocking().retrieve(HttpRequest.POST("/api/admin/tenants/" + t.value() + "/schema/apply", demo)
                .contentType("application/yaml").bearerAuth(TOKEN), MAP);
        assertEquals(1, applied.get("version"));
        Map<String, Object> versions = http.toBlocking().retrieve(HttpRequest.GET("/api/admin/tenants/" + t.value() + "/schema/versions").bearerAuth(TOKEN), MAP);
        assertEquals("operator", ((List<Map<String, Object>>) versions.get("versions")).get(0).get("applied_by"));
    }

    @Test
    void withoutTheTokenOrForAnUnknownTenantNothingHappens() {
        TenantId t = fixtures.newTenant("sopbad");
        String src = "tables:\n  a:\n    sync: web-only\n    columns:\n      id: { type: uuid, primary_key: true }\n";
        Fixtures.User admin = fixtures.webUser(t, "admin");
        for (String bearer : new String[]{null, "wrong-token", admin.token()}) {
            io.micronaut.http.MutableHttpRequest<String> req = HttpRequest.POST("/api/admin/tenants/" + t.value() + "/schema/apply", src).contentType(MediaType.TEXT_PLAIN);
            if (bearer != null) {
                req = req.bearerAuth(bearer);
            }
            HttpRequest<String> r = req;
            HttpClientResponseException e = assertThrows(HttpClientResponseException.class, () -> http.toBlocking().exchange(r, String.class));
            assertEquals(HttpStatus.UNAUTHORIZED, e.getStatus(), String.valueOf(bearer));
        }
        assertEquals(0, registry.current(t).version());
        for (String id : new String[]{"nosuchtenant", "Bad-Id", "tenant_x%3Bdrop"}) {
            HttpClientResponseException e = assertThrows(HttpClientResponseException.class, () -> http.toBlocking().exchange(
                    HttpRequest.POST("/api/admin/tenants/" + id + "/schema/apply", src).contentType(MediaType.TEXT_PLAIN).bearerAuth(TOKEN), String.class));
            assertEquals(HttpStatus.NOT_FOUND, e.getStatus(), id);
        }
    }
}

package io.posduif.functions.openapi;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.support.DocumentedSchemas;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The messages, tables-rows and schema-administration endpoints take raw bytes (gzip under caps)
 * and answer maps, so their bodies in the OpenAPI document come from documentation-only
 * records. This holds those to what the endpoints really accept and answer, on the demo schema.
 */
@MicronautTest
class RawBodyEndpointsAnswerTheirDocumentedSchemaTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;
    @Inject
    JsonMapper json;
    @Inject
    @Client("/")
    HttpClient http;

    DocumentedSchemas documented;
    String demo;
    Fixtures.User web;
    Fixtures.User admin;
    Fixtures.User mobile;
    Fixtures.Device device;

    @BeforeAll
    void setUp() throws IOException {
        documented = new DocumentedSchemas(http);
        TenantId tenant = fixtures.newTenant("oasraw");
        demo = Files.readString(Path.of("..", "infra", "tenants", "demo.yaml"));
        applier.apply(tenant, SchemaParser.parse("demo.yaml", demo), false, "test");
        web = fixtures.webUser(tenant);
        admin = fixtures.webUser(tenant, "admin");
        mobile = fixtures.mobileUser(tenant);
        device = fixtures.device(tenant, mobile.id());
    }

    private void conforms(Object value, String schema) {
        List<String> v = documented.violations(value, schema);
        assertTrue(v.isEmpty(), schema + " " + v + " in " + value);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> call(MutableHttpRequest<?> request, String token) {
        try {
            return json.readValue(http.toBlocking().retrieve(request.contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token)), Map.class);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void messagesAreTheDocumentedShapeThroughTheirWholeLife() {
        Map<String, Object> send = Map.of("recipient_id", mobile.id().toString(), "content", "Hello");
        conforms(send, "NewMessage");
        Map<String, Object> sent = call(HttpRequest.POST("/api/messages", send), web.token());
        conforms(sent, "Message");
        // the device is served it (synced_at appears) and replies by push
        call(HttpRequest.GET("/api/sync/pull?cursor=0"), device.token());
        String reply = UUID.randomUUID().toString();
        Map<String, Object> pushed = call(HttpRequest.POST("/api/sync/push", Map.of("ops", List.of(Map.of(
                "op_id", UUID.randomUUID().toString(), "table", "messages", "op", "upsert", "pk", Map.of("id", reply),
                "data", Map.of("id", reply, "sender_id", mobile.id().toString(), "recipient_id", web.id().toString(),
                        "content", "Hi back", "status", "pending_sync"),
                "client_ts", "2024-01-15T10:35:00.000Z")))), device.token());
        assertEquals("applied", ((List<Map<String, Object>>) pushed.get("results")).get(0).get("status"), pushed.toString());

        conforms(call(HttpRequest.GET("/api/messages/unread-count"), web.token()), "UnreadCount");
        Map<String, Object> read = call(HttpRequest.PUT("/api/messages/" + reply + "/read", ""), web.token());
        conforms(read, "MessageRead");
        Map<String, Object> page = call(HttpRequest.GET("/api/messages"), web.token());
        conforms(page, "MessagePage");
        List<Map<String, Object>> messages = (List<Map<String, Object>>) page.get("messages");
        assertEquals(2, messages.size(), page.toString());
        assertTrue(messages.stream().anyMatch(m -> m.containsKey("synced_at")), "synced_at is exercised: " + page);
        assertTrue(messages.stream().anyMatch(m -> m.containsKey("read_at")), "read_at is exercised: " + page);
        conforms(call(HttpRequest.GET("/api/messages/" + reply), web.token()), "Message");
    }

    @Test
    void tableRowsAreTheDocumentedShape() {
        String id = UUID.randomUUID().toString();
        Map<String, Object> row = Map.of("id", id, "owner_id", mobile.id().toString(), "title", "t", "tags", List.of("a"));
        conforms(row, "TableRow");
        HttpResponse<String> created = http.toBlocking().exchange(HttpRequest.POST("/api/tables/notes/rows", row)
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(web.token()), String.class);
        assertEquals(HttpStatus.CREATED, created.status(), "the document says 201");
        conforms(call(HttpRequest.PUT("/api/tables/notes/rows/" + id, Map.of("pinned", true)), web.token()), "TableRow");
        conforms(call(HttpRequest.GET("/api/tables/notes/rows/" + id), web.token()), "TableRow");
        Map<String, Object> page = call(HttpRequest.GET("/api/tables/notes/rows"), web.token());
        conforms(page, "TableRowsController.RowsPage");
        assertEquals(1, ((List<?>) page.get("rows")).size(), page.toString());
    }

    @Test
    void healthIsTheDocumentedShape() {
        conforms(call(HttpRequest.GET("/health"), web.token()), "HealthController.Health");
    }

    @Test
    void aSchemaSentAsDocumentedJsonIsUnderstood() {
        Map<String, Object> body = Map.of("source", demo, "file", "demo.yaml", "allow_destructive", false);
        conforms(body, "SchemaSource");
        Map<String, Object> validated = call(HttpRequest.POST("/api/admin/schema/validate", body), admin.token());
        conforms(validated, "SchemaAdminController.Validated");
        Map<String, Object> plan = call(HttpRequest.POST("/api/admin/schema/plan", body), admin.token());
        conforms(plan, "SchemaApplier.Result");
        assertEquals(false, plan.get("changed"), "the same schema plans no change: " + plan);
        assertEquals(List.of(), plan.get("steps"), "an empty plan still says so");

        String more = demo + "\n  oas_extra:\n    sync: web-only\n    columns:\n      id: { type: uuid, primary_key: true }\n"
                + "      label: { type: text }\n";
        Map<String, Object> changed = call(HttpRequest.POST("/api/admin/schema/plan", Map.of("source", more)), admin.token());
        conforms(changed, "SchemaApplier.Result");
        assertTrue(!((List<?>) changed.get("steps")).isEmpty(), changed.toString());
    }
}

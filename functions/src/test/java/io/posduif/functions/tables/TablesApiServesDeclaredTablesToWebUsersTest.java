package io.posduif.functions.tables;

import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class TablesApiServesDeclaredTablesToWebUsersTest extends StackTest {

    static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);

    @Inject
    @Client("/")
    HttpClient http;
    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;

    TenantId tenant;
    Fixtures.User web;

    @BeforeAll
    void setUp() throws Exception {
        tenant = fixtures.newTenant("tbl");
        applier.apply(tenant, SchemaParser.parse("demo.yaml", Files.readString(Path.of("../infra/tenants/demo.yaml"))), false, "test");
        web = fixtures.webUser(tenant);
    }

    private Map<String, Object> get(String uri) {
        return http.toBlocking().retrieve(HttpRequest.GET(uri).bearerAuth(web.token()), MAP);
    }

    private Map<String, Object> get(URI uri) {
        return http.toBlocking().retrieve(HttpRequest.GET(uri).bearerAuth(web.token()), MAP);
    }

    private HttpClientResponseException fails(HttpRequest<?> req) {
        return assertThrows(HttpClientResponseException.class, () -> http.toBlocking().exchange(req, String.class), req.getUri().toString());
    }

    @SuppressWarnings("unchecked")
    private static String code(HttpClientResponseException e) {
        return (String) ((Map<String, Object>) e.getResponse().getBody(MAP).orElseThrow().get("error")).get("code");
    }

    @Test
    @SuppressWarnings("unchecked")
    void crudFilterSortAndPageAWebOnlyTable() {
        String actor = UUID.randomUUID().toString();
        for (int i = 0; i < 12; i++) {
            Map<String, Object> row = new HashMap<>();
            row.put("id", UUID.randomUUID().toString());
            row.put("actor_id", i % 2 == 0 ? actor : UUID.randomUUID().toString());
            row.put("action", "act-" + (char) ('a' + i));
            row.put("details", Map.of("n", i, "tags", List.of("x")));
            row.put("created_at", "2024-01-15T10:35:" + String.format("%02d", i) + ".123Z");
            HttpResponse<Map<String, Object>> created = http.toBlocking().exchange(HttpRequest.POST("/api/tables/audit_log/rows", row).bearerAuth(web.token()), MAP);
            assertEquals(HttpStatus.CREATED, created.getStatus());
            assertEquals(row.get("created_at"), created.body().get("created_at"));
            assertEquals(Map.of("n", i, "tags", List.of("x")), created.body().get("details"));
        }
        Map<String, Object> page = get("/api/tables/audit_log/rows?where.actor_id=" + actor + "&sort=-created_at&limit=4");
        List<Map<String, Object>> rows = (List<Map<String, Object>>) page.get("rows");
        assertEquals(6L, ((Number) page.get("total")).longValue());
        assertEquals(true, page.get("has_more"));
        assertEquals(List.of("act-k", "act-i", "act-g", "act-e"), rows.stream().map(r -> r.get("action")).toList());
        Map<String, Object> page2 = get("/api/tables/audit_log/rows?where.actor_id=" + actor + "&sort=-created_at&limit=4&offset=4");
        assertEquals(List.of("act-c", "act-a"), ((List<Map<String, Object>>) page2.get("rows")).stream().map(r -> r.get("action")).toList());
        assertEquals(false, page2.get("has_more"));

        Map<String, Object> ops = get("/api/tables/audit_log/rows?where.created_at.gte=2024-01-15T10:35:10Z&where.action.like=act-%25&sort=action");
        assertEquals(List.of("act-k", "act-l"), ((List<Map<String, Object>>) ops.get("rows")).stream().map(r -> r.get("action")).toList());
        Map<String, Object> in = get("/api/tables/audit_log/rows?where.action.in=act-a,act-b,nope&sort=action");
        assertEquals(2, ((List<?>) in.get("rows")).size());

        String id = (String) rows.get(0).get("id");
        Map<String, Object> updated = http.toBlocking().retrieve(HttpRequest.PUT("/api/tables/audit_log/rows/" + id, Map.of("action", "changed", "id", id))
                .bearerAuth(web.token()), MAP);
        assertEquals("changed", updated.get("action"));
        assertEquals(actor, updated.get("actor_id"));
        Map<String, Object> nulled = http.toBlocking().retrieve(HttpRequest.PUT("/api/tables/audit_log/rows/" + id, "{\"details\": null}")
                .contentType(MediaType.APPLICATION_JSON).bearerAuth(web.token()), MAP);
        assertTrue(nulled.containsKey("details"), "null columns are present in rows: " + nulled);
        assertNull(nulled.get("details"));
        assertEquals("changed", get("/api/tables/audit_log/rows/" + id).get("action"));
        assertEquals(HttpStatus.NO_CONTENT, http.toBlocking().exchange(HttpRequest.DELETE("/api/tables/audit_log/rows/" + id).bearerAuth(web.token())).getStatus());
        assertEquals("NOT_FOUND", code(fails(HttpRequest.GET("/api/tables/audit_log/rows/" + id).bearerAuth(web.token()))));
        assertEquals("NOT_FOUND", code(fails(HttpRequest.DELETE("/api/tables/audit_log/rows/" + id).bearerAuth(web.token()))));
        assertEquals("PK_MISMATCH", code(fails(HttpRequest.PUT("/api/tables/audit_log/rows/" + rows.get(1).get("id"), Map.of("id", UUID.randomUUID().toString()))
                .bearerAuth(web.token()))));
    }

    @Test
    void writesToSyncedTablesAreCapturedForDevices() throws Exception {
        String id = UUID.randomUUID().toString();
        Map<String, Object> msg = Map.of("id", id, "sender_id", web.id().toString(), "recipient_id", UUID.randomUUID().toString(), "content", "from the web");
        Map<String, Object> created = http.toBlocking().retrieve(HttpRequest.POST("/api/tables/messages/rows", msg).bearerAuth(web.token()), MAP);
        assertEquals("pending_sync", created.get("status"), "defaults apply");
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + tenant.schema() + ".posduif_changes WHERE tbl = 'messages' AND pk->>'id' = '" + id + "'")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
        // composite keys are addressed with a JSON object
        http.toBlocking().exchange(HttpRequest.POST("/api/tables/inventory_counts/rows", Map.of("location", "a/b", "sku", "x,y", "quantity", 3)).bearerAuth(web.token()));
        URI uri = URI.create("/api/tables/inventory_counts/rows/" + TablesApiResistsIdentifierInjectionTest.segment("{\"location\":\"a/b\",\"sku\":\"x,y\"}"));
        assertEquals(3, ((Number) get(uri).get("quantity")).intValue());
        assertEquals("PK_MISMATCH", code(fails(HttpRequest.GET(URI.create("/api/tables/inventory_counts/rows/a")).bearerAuth(web.token()))));
    }

    @Test
    void mobileOnlyTablesAcceptNothing() {
        for (HttpRequest<?> r : List.<HttpRequest<?>>of(
                HttpRequest.GET("/api/tables/drafts/rows"),
                HttpRequest.POST("/api/tables/drafts/rows", Map.of("id", UUID.randomUUID().toString(), "content", "x")),
                HttpRequest.PUT("/api/tables/drafts/rows/" + UUID.randomUUID(), Map.of("content", "x")),
                HttpRequest.DELETE("/api/tables/drafts/rows/" + UUID.randomUUID()))) {
            HttpClientResponseException e = fails(((io.micronaut.http.MutableHttpRequest<?>) r).bearerAuth(web.token()));
            assertEquals(HttpStatus.NOT_FOUND, e.getStatus());
            assertEquals("UNKNOWN_TABLE", code(e));
        }
    }

    @Test
    void badValuesAndRequestsAre4xx() {
        String t = web.token();
        assertEquals("INVALID_VALUE", code(fails(HttpRequest.GET("/api/tables/tasks/rows?where.priority=abc").bearerAuth(t))));
        assertEquals("INVALID_VALUE", code(fails(HttpRequest.GET("/api/tables/tasks/rows?where.title.gt=x&where.done.lt=true").bearerAuth(t))));
        assertEquals("INVALID_VALUE", code(fails(HttpRequest.GET("/api/tables/tasks/rows?where.title.regex=x").bearerAuth(t))));
        assertEquals("INVALID_VALUE", code(fails(HttpRequest.GET("/api/tables/tasks/rows/not-a-uuid").bearerAuth(t))));
        assertEquals("VALIDATION_ERROR", code(fails(HttpRequest.GET("/api/tables/tasks/rows?limit=0").bearerAuth(t))));
        assertEquals("VALIDATION_ERROR", code(fails(HttpRequest.GET("/api/tables/tasks/rows?limit=1001").bearerAuth(t))));
        assertEquals("VALIDATION_ERROR", code(fails(HttpRequest.GET("/api/tables/tasks/rows?offset=-1").bearerAuth(t))));
        assertEquals("VALIDATION_ERROR", code(fails(HttpRequest.GET("/api/tables/tasks/rows?select=*").bearerAuth(t))));
        assertEquals("UNKNOWN_COLUMN", code(fails(HttpRequest.POST("/api/tables/tasks/rows", Map.of("id", UUID.randomUUID().toString(), "title", "t", "owner", "x")).bearerAuth(t))));
        assertEquals("INVALID_VALUE", code(fails(HttpRequest.POST("/api/tables/tasks/rows", Map.of("id", UUID.randomUUID().toString(), "title", "t", "priority", "high")).bearerAuth(t))));
        assertEquals("MALFORMED_REQUEST", code(fails(HttpRequest.POST("/api/tables/tasks/rows", "[1,2]").contentType(MediaType.APPLICATION_JSON).bearerAuth(t))));
        assertEquals("VALIDATION_ERROR", code(fails(HttpRequest.POST("/api/tables/tasks/rows", Map.of("id", UUID.randomUUID().toString())).bearerAuth(t))), "NOT NULL title");
        String id = UUID.randomUUID().toString();
        http.toBlocking().exchange(HttpRequest.POST("/api/tables/tasks/rows", Map.of("id", id, "title", "t")).bearerAuth(t));
        HttpClientResponseException dup = fails(HttpRequest.POST("/api/tables/tasks/rows", Map.of("id", id, "title", "t")).bearerAuth(t));
        assertEquals(HttpStatus.BAD_REQUEST, dup.getStatus());
        // device tokens never reach the tables API
        Fixtures.Device device = fixtures.device(tenant, fixtures.mobileUser(tenant).id());
        HttpClientResponseException deviceTried = fails(HttpRequest.GET("/api/tables/tasks/rows").bearerAuth(device.token()));
        assertEquals(HttpStatus.UNAUTHORIZED, deviceTried.getStatus());
        assertEquals("WRONG_TOKEN_TYPE", code(deviceTried));
        assertEquals(HttpStatus.UNAUTHORIZED, fails(HttpRequest.GET("/api/tables/tasks/rows")).getStatus());
    }
}

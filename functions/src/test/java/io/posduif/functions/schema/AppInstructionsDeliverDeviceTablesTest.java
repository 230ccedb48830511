package io.posduif.functions.schema;

import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@MicronautTest
class AppInstructionsDeliverDeviceTablesTest extends StackTest {

    @Inject
    @Client("/")
    HttpClient http;
    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.relay.public-url", "https://relay.example.test/", "posduif.functions.public-url", "https://api.example.test");
    }

    @Test
    @SuppressWarnings("unchecked")
    void deviceGetsSyncedAndMobileOnlyTablesWithRunnableDdlButNeverWebOnly() throws Exception {
        TenantId t = fixtures.newTenant("sapp");
        applier.apply(t, SchemaParser.parse("demo.yaml", Files.readString(Path.of("../infra/tenants/demo.yaml"))), false, "test");
        Fixtures.User user = fixtures.mobileUser(t);
        Fixtures.Device device = fixtures.device(t, user.id());
        Map<String, Object> doc = http.toBlocking().retrieve(HttpRequest.GET("/api/app-instructions").bearerAuth(device.token())
                .header("X-Device-ID", device.deviceId()), Argument.mapOf(String.class, Object.class));
        assertEquals("1", doc.get("version"));
        assertEquals(t.value(), doc.get("tenant_id"));
        assertEquals("https://api.example.test", doc.get("api_base_url"));
        Map<String, Object> sync = (Map<String, Object>) doc.get("sync_config");
        assertEquals("https://relay.example.test/sse/mobile/{device_id}", sync.get("sse_url"));
        assertEquals(100, sync.get("batch_size"));
        Map<String, Object> schema = (Map<String, Object>) doc.get("schema");
        assertEquals(1, schema.get("version"));
        List<Map<String, Object>> tables = (List<Map<String, Object>>) schema.get("tables");
        List<String> names = tables.stream().map(m -> (String) m.get("name")).toList();
        assertEquals(List.of("users", "messages", "notes", "tasks", "inventory_counts", "drafts"), names);
        assertFalse(names.contains("audit_log"));
        Map<String, Object> users = tables.get(0);
        assertEquals(false, users.get("device_writable"));
        assertEquals(true, tables.get(5).get("device_writable"), "devices write their mobile-only tables locally");
        assertEquals(null, tables.get(5).get("conflict"));
        assertEquals("sender_id = :user_id OR recipient_id = :user_id", tables.get(1).get("filter"));
        // the DDL runs in real SQLite
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:"); Statement s = c.createStatement()) {
            for (Map<String, Object> table : tables) {
                for (String ddl : (List<String>) table.get("sqlite_ddl")) {
                    s.execute(ddl);
                }
                for (String ddl : (List<String>) table.get("sqlite_ddl")) {
                    s.execute(ddl); // idempotent: a device may run it again
                }
            }
            s.execute("INSERT INTO messages (id, sender_id, recipient_id, content) VALUES ('a', 'b', 'c', 'hi')");
            try (var rs = s.executeQuery("SELECT status, created_at FROM messages")) {
                rs.next();
                assertEquals("pending_sync", rs.getString(1));
                assertTrue(rs.getString(2).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), rs.getString(2));
            }
        }
    }

    @Test
    void webTokensAndBadVersionsAreRefused() {
        TenantId t = fixtures.newTenant("sappbad");
        Fixtures.User web = fixtures.webUser(t);
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().exchange(HttpRequest.GET("/api/app-instructions").bearerAuth(web.token()), String.class));
        assertEquals(HttpStatus.UNAUTHORIZED, e.getStatus());
        assertTrue(e.getResponse().getBody(String.class).orElse("").contains("WRONG_TOKEN_TYPE"));
        Fixtures.Device device = fixtures.device(t, fixtures.mobileUser(t).id());
        for (String v : new String[]{"x", "-1", "7"}) {
            HttpClientResponseException bad = assertThrows(HttpClientResponseException.class,
                    () -> http.toBlocking().exchange(HttpRequest.GET("/api/app-instructions?from_version=" + v).bearerAuth(device.token()), String.class));
            assertEquals(HttpStatus.BAD_REQUEST, bad.getStatus(), v);
        }
        HttpClientResponseException anonymous = assertThrows(HttpClientResponseException.class,
                () -> http.toBlocking().exchange(HttpRequest.GET("/api/app-instructions"), String.class));
        assertEquals(HttpStatus.UNAUTHORIZED, anonymous.getStatus());
    }
}

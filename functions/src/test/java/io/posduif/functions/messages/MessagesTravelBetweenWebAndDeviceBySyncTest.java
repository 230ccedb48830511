package io.posduif.functions.messages;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed's messaging flow on the demo schema, through the real schema apply, push and pull. */
@MicronautTest
class MessagesTravelBetweenWebAndDeviceBySyncTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;
    @Inject
    JsonMapper json;
    @Inject
    @Client("/")
    HttpClient http;

    TenantId tenant;
    Fixtures.User web;
    Fixtures.User mobile;
    Fixtures.Device device;

    @BeforeAll
    void setUp() throws IOException {
        tenant = fixtures.newTenant("msg");
        Path demo = Path.of("..", "infra", "tenants", "demo.yaml");
        applier.apply(tenant, SchemaParser.parse("demo.yaml", Files.readString(demo)), false, "test");
        web = fixtures.webUser(tenant);
        mobile = fixtures.mobileUser(tenant);
        device = fixtures.device(tenant, mobile.id());
    }

    @Test
    void webMessageReachesTheDeviceByPullAndTheReplyComesBackByPush() throws IOException {
        Map<?, ?> sent = call(HttpRequest.POST("/api/messages", Map.of("recipient_id", mobile.id().toString(), "content", "Hello")), web.token());
        assertEquals("pending_sync", sent.get("status"));
        assertEquals(web.id().toString(), sent.get("sender_id"));
        String id = (String) sent.get("id");

        // the device pulls: the message arrives, with the directory, and the message turns synced
        Map<?, ?> page = call(HttpRequest.GET("/api/sync/pull?cursor=0"), device.token());
        List<Map<?, ?>> changes = (List<Map<?, ?>>) page.get("changes");
        Map<?, ?> msg = changes.stream().filter(c -> c.get("table").equals("messages")
                && ((Map<?, ?>) c.get("pk")).get("id").equals(id)).findFirst().orElseThrow();
        assertEquals("Hello", ((Map<?, ?>) msg.get("data")).get("content"));
        Map<?, ?> meInDirectory = changes.stream().filter(c -> c.get("table").equals("users")
                && ((Map<?, ?>) c.get("pk")).get("id").equals(web.id().toString())).findFirst().orElseThrow();
        assertNotNull(((Map<?, ?>) meInDirectory.get("data")).get("last_message_sent"), "the directory carries last_message_sent");
        Map<?, ?> after = call(HttpRequest.GET("/api/messages/" + id), web.token());
        assertEquals("synced", after.get("status"));
        assertNotNull(after.get("synced_at"));

        // the directory is read-only for devices
        Map<?, ?> denied = push(Map.of("op_id", UUID.randomUUID().toString(), "table", "users", "op", "upsert",
                "pk", Map.of("id", web.id().toString()), "data", Map.of("username", "hijack"), "client_ts", Instant.now().toString()));
        assertEquals("TABLE_READ_ONLY", denied.get("code"));

        // the device replies by push and marks the web message read
        UUID reply = UUID.randomUUID();
        String now = Instant.now().toString();
        Map<String, Object> data = new HashMap<>(Map.of("id", reply.toString(), "sender_id", mobile.id().toString(),
                "recipient_id", web.id().toString(), "content", "Hi back", "created_at", now, "updated_at", now));
        assertEquals("applied", push(Map.of("op_id", UUID.randomUUID().toString(), "table", "messages", "op", "upsert",
                "pk", Map.of("id", reply.toString()), "data", data, "client_ts", now)).get("status"));
        // a device cannot mark a message synced itself: synced_at is the server's
        Map<?, ?> forged = push(Map.of("op_id", UUID.randomUUID().toString(), "table", "messages", "op", "upsert",
                "pk", Map.of("id", id), "data", Map.of("synced_at", now), "client_ts", now));
        assertEquals("SERVER_OWNED_COLUMN", forged.get("code"));

        assertEquals(1L, ((Number) call(HttpRequest.GET("/api/messages/unread-count"), web.token()).get("unread_count")).longValue());
        Map<?, ?> list = call(HttpRequest.GET("/api/messages?limit=10"), web.token());
        assertEquals(2L, ((Number) list.get("total")).longValue());
        assertEquals(10, ((Number) list.get("limit")).intValue());
        Map<?, ?> read = call(HttpRequest.PUT("/api/messages/" + reply + "/read", ""), web.token());
        assertEquals("read", read.get("status"));
        assertNotNull(read.get("read_at"));
        assertEquals(0L, ((Number) call(HttpRequest.GET("/api/messages/unread-count"), web.token()).get("unread_count")).longValue());
        // the reader's change travels back to the device
        Map<?, ?> next = call(HttpRequest.GET("/api/sync/pull?cursor=" + page.get("cursor")), device.token());
        assertTrue(((List<Map<?, ?>>) next.get("changes")).stream().anyMatch(c -> c.get("table").equals("messages")
                && "read".equals(((Map<?, ?>) c.get("data")).get("status"))));
    }

    @Test
    void badMessagesAreRefused() {
        assertCode(HttpRequest.POST("/api/messages", Map.of("recipient_id", mobile.id().toString(), "content", "  ")), web.token(), 400, "EMPTY_MESSAGE");
        assertCode(HttpRequest.POST("/api/messages", Map.of("recipient_id", web.id().toString(), "content", "x")), web.token(), 400, "INVALID_RECIPIENT");
        assertCode(HttpRequest.POST("/api/messages", Map.of("recipient_id", UUID.randomUUID().toString(), "content", "x")), web.token(), 400, "INVALID_RECIPIENT");
        assertCode(HttpRequest.POST("/api/messages", Map.of("recipient_id", 5, "content", "x")), web.token(), 400, "MALFORMED_REQUEST");
        assertCode(HttpRequest.GET("/api/messages?limit=0"), web.token(), 400, "VALIDATION_ERROR");
        assertCode(HttpRequest.GET("/api/messages/" + UUID.randomUUID()), web.token(), 404, "NOT_FOUND");
        assertCode(HttpRequest.GET("/api/messages"), device.token(), 401, "WRONG_TOKEN_TYPE");
        // a web user cannot mark someone else's message read
        Fixtures.User other = fixtures.webUser(tenant);
        try {
            Fixtures.User someone = fixtures.mobileUser(tenant);
            Map<?, ?> sent = call(HttpRequest.POST("/api/messages", Map.of("recipient_id", someone.id().toString(), "content", "x")), other.token());
            assertCode(HttpRequest.PUT("/api/messages/" + sent.get("id") + "/read", ""), other.token(), 404, "NOT_FOUND");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Map<?, ?> push(Map<String, Object> op) throws IOException {
        Map<?, ?> r = call(HttpRequest.POST("/api/sync/push", Map.of("ops", List.of(op))), device.token());
        return (Map<?, ?>) ((List<?>) r.get("results")).get(0);
    }

    private Map<?, ?> call(io.micronaut.http.MutableHttpRequest<?> req, String token) throws IOException {
        return json.readValue(http.toBlocking().retrieve(req.contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token)), Map.class);
    }

    private void assertCode(io.micronaut.http.MutableHttpRequest<?> req, String token, int status, String code) {
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class, () -> call(req, token));
        assertEquals(status, e.getStatus().getCode());
        String body = e.getResponse().getBody(String.class).orElse("");
        assertTrue(body.contains(code), body);
    }
}

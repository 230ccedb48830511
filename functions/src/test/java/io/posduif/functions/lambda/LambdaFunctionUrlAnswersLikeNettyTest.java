package io.posduif.functions.lambda;

import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.RawHttp;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same requests through the Lambda Function URL handler (payload v2, in process) and over
 * Netty get the same status, code and body: the functions keep no state of their own, so it
 * does not matter which one (or which Lambda instance) serves a request.
 */
@MicronautTest
class LambdaFunctionUrlAnswersLikeNettyTest extends StackTest {

    static final String OPERATOR = "operator-token-lambda-0123456789";

    @Inject
    EmbeddedServer server;
    @Inject
    Fixtures fixtures;
    @Inject
    Tenants tenants;

    FunctionUrlInvoker lambda;
    RawHttp netty;
    String token;
    final JsonMapper json = JsonMapper.createDefault();

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.test.probe-routes", "true", "posduif.admin.token", OPERATOR);
    }

    @BeforeAll
    void setUp() {
        lambda = new FunctionUrlInvoker(getProperties());
        netty = new RawHttp(server.getURI());
        TenantId t = fixtures.newTenant("lambda");
        token = fixtures.webUser(t).token();
    }

    @AfterAll
    void close() {
        lambda.close();
    }

    record Answer(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
        }
    }

    Answer viaLambda(String method, String path, Map<String, String> headers, byte[] body) {
        // a Function URL delivers a gzip body base64-encoded; everything else as text
        boolean binary = body != null && headers.entrySet().stream()
                .anyMatch(e -> e.getKey().equalsIgnoreCase("content-encoding") && e.getValue().equalsIgnoreCase("gzip"));
        FunctionUrlInvoker.Answer a = lambda.send(method, path, headers, body, binary);
        return new Answer(a.status(), a.headers(), a.rawBody());
    }

    Answer viaNetty(String method, String path, Map<String, String> headers, byte[] body) {
        RawHttp.Response r = netty.send(method, path, headers, body);
        Map<String, String> h = new HashMap<>();
        r.headers().forEach((k, v) -> h.put(k, String.join(",", v)));
        return new Answer(r.status(), h, r.body());
    }

    JsonNode tree(Answer a) {
        byte[] body = a.body();
        if ("gzip".equalsIgnoreCase(a.header("Content-Encoding"))) {
            try {
                body = new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
            } catch (IOException e) {
                throw new AssertionError("bad gzip from " + a, e);
            }
        }
        try {
            return json.readValue(body, JsonNode.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
        }
    }

    void same(String method, String path, Map<String, String> headers, byte[] body, int expectedStatus) {
        Answer l = viaLambda(method, path, headers, body);
        Answer n = viaNetty(method, path, headers, body);
        String what = method + " " + path;
        assertEquals(expectedStatus, n.status(), what + " over Netty: " + new String(n.body(), StandardCharsets.UTF_8));
        assertEquals(n.status(), l.status(), what + " via Lambda: " + new String(l.body(), StandardCharsets.UTF_8));
        assertEquals(tree(n), tree(l), what + ": Netty " + new String(n.body(), StandardCharsets.UTF_8) + " vs Lambda " + new String(l.body(), StandardCharsets.UTF_8));
    }

    static byte[] gzip(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(s.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    @Test
    void healthAuthErrorsAndGzipAnswerTheSame() {
        Map<String, String> auth = Map.of("Authorization", "Bearer " + token);
        Map<String, String> jsonType = Map.of("Content-Type", "application/json");
        same("GET", "/health", Map.of(), null, 200);
        same("GET", "/test-only/whoami", auth, null, 200);
        same("GET", "/test-only/whoami", Map.of(), null, 401);
        same("GET", "/test-only/whoami", Map.of("Authorization", "Bearer garbage"), null, 401);
        same("GET", "/api/no/such/thing", Map.of(), null, 404);
        same("GET", "/test-only/query?limit=abc", Map.of(), null, 400);
        same("POST", "/test-only/body", jsonType, "{\"count\":".getBytes(StandardCharsets.UTF_8), 400);
        same("POST", "/test-only/body", jsonType, "{\"count\":3,\"names\":[\"a\"]}".getBytes(StandardCharsets.UTF_8), 200);
        same("POST", "/test-only/body", Map.of("Content-Type", "application/json", "Content-Encoding", "gzip"),
                gzip("{\"count\":4,\"names\":[\"gz\"]}"), 200);
        same("POST", "/test-only/body", Map.of("Content-Type", "application/json", "Content-Encoding", "gzip"),
                new byte[]{0x1f, (byte) 0x8b, 8, 0, 1, 2}, 400);
        same("POST", "/test-only/body", Map.of("Content-Type", "application/json", "Content-Encoding", "br"),
                "{}".getBytes(StandardCharsets.UTF_8), 415);
        same("GET", "/test-only/boom", Map.of(), null, 500);
        // a 10 KB body that inflates to 20 MB: refused on both paths, details included
        same("POST", "/test-only/body", Map.of("Content-Type", "application/json", "Content-Encoding", "gzip"),
                gzip("{\"count\":1,\"names\":[\"" + "a".repeat(20 << 20) + "\"]}"), 413);
    }

    @Test
    void aLargeResponseIsGzippedOnLambdaToo() {
        StringBuilder sb = new StringBuilder("{\"count\":3,\"names\":[");
        for (int i = 0; i < 1000; i++) {
            sb.append("\"name-").append(i).append("\",");
        }
        sb.append("\"last\"]}");
        Map<String, String> h = Map.of("Content-Type", "application/json", "Accept-Encoding", "gzip");
        Answer l = viaLambda("POST", "/test-only/body", h, sb.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(200, l.status());
        assertEquals("gzip", l.header("Content-Encoding"));
        assertEquals(1001, tree(l).get("names").size());
    }

    @Test
    void aTenantMadeThroughLambdaIsSeenOverNetty() {
        String id = "lam_" + Long.toString(System.nanoTime() % 100_000_000L, 36);
        Map<String, String> h = Map.of("Content-Type", "application/json", "Authorization", "Bearer " + OPERATOR);
        Answer created = viaLambda("POST", "/api/admin/tenants", h, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(201, created.status(), new String(created.body(), StandardCharsets.UTF_8));
        Answer again = viaNetty("POST", "/api/admin/tenants", h, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(200, again.status());
        assertTrue(tenants.exists(id));
    }
}

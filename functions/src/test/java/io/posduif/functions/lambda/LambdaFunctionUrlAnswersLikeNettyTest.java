package io.posduif.functions.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.proxy.payload2.APIGatewayV2HTTPEventFunction;
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
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
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

    APIGatewayV2HTTPEventFunction lambda;
    RawHttp netty;
    String token;
    final JsonMapper json = JsonMapper.createDefault();

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("posduif.test.probe-routes", "true", "posduif.admin.token", OPERATOR);
    }

    @BeforeAll
    void setUp() {
        Map<String, Object> props = new HashMap<>(getProperties());
        lambda = new APIGatewayV2HTTPEventFunction() {
            @Override
            protected ApplicationContextBuilder newApplicationContextBuilder() {
                return super.newApplicationContextBuilder().environments("lambda").properties(props);
            }
        };
        netty = new RawHttp(server.getURI());
        TenantId t = fixtures.newTenant("lambda");
        token = fixtures.webUser(t).token();
    }

    @AfterAll
    void close() {
        lambda.getApplicationContext().close();
    }

    record Answer(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
        }
    }

    Answer viaLambda(String method, String path, Map<String, String> headers, byte[] body) {
        String rawPath = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        h.put("host", "abcdefghijklmnop.lambda-url.eu-west-1.on.aws");
        h.put("x-forwarded-proto", "https");
        headers.forEach((k, v) -> h.put(k.toLowerCase(), v));
        Map<String, String> qs = new HashMap<>();
        if (!query.isEmpty()) {
            for (String kv : query.split("&")) {
                String[] p = kv.split("=", 2);
                qs.put(p[0], p.length > 1 ? p[1] : "");
            }
        }
        boolean binary = body != null && "gzip".equalsIgnoreCase(h.get("content-encoding"));
        APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("$default")
                .withRawPath(rawPath)
                .withRawQueryString(query)
                .withQueryStringParameters(qs.isEmpty() ? null : qs)
                .withHeaders(new HashMap<>(h))
                .withBody(body == null ? null : binary ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8))
                .withIsBase64Encoded(binary)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withDomainName("abcdefghijklmnop.lambda-url.eu-west-1.on.aws")
                        .withRequestId("lambda-request-1")
                        .withRouteKey("$default")
                        .withStage("$default")
                        .withTimeEpoch(System.currentTimeMillis())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(method).withPath(rawPath).withProtocol("HTTP/1.1")
                                .withSourceIp("203.0.113.9").withUserAgent("test").build())
                        .build())
                .build();
        APIGatewayV2HTTPResponse r = lambda.handleRequest(event, null);
        byte[] out = r.getBody() == null ? new byte[0]
                : r.getIsBase64Encoded() ? Base64.getDecoder().decode(r.getBody()) : r.getBody().getBytes(StandardCharsets.UTF_8);
        Map<String, String> rh = new HashMap<>();
        if (r.getHeaders() != null) {
            rh.putAll(r.getHeaders());
        }
        if (r.getMultiValueHeaders() != null) {
            r.getMultiValueHeaders().forEach((k, v) -> rh.putIfAbsent(k, String.join(",", v)));
        }
        return new Answer(r.getStatusCode(), rh, out);
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

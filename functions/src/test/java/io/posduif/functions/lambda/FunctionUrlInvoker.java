package io.posduif.functions.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.proxy.payload2.APIGatewayV2HTTPEventFunction;
import io.micronaut.json.JsonMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Calls the production Lambda handler in process with the events a Lambda Function URL sends
 * (payload v2): what AWS would deliver, built the way AWS builds it (lower-case headers, the
 * URL's host, raw path and query, binary bodies base64-encoded with {@code isBase64Encoded}).
 */
final class FunctionUrlInvoker implements AutoCloseable {

    static final String HOST = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws";
    private static final AtomicLong REQUESTS = new AtomicLong();

    private final APIGatewayV2HTTPEventFunction handler;
    private final JsonMapper json = JsonMapper.createDefault();

    FunctionUrlInvoker(Map<String, ?> properties) {
        Map<String, Object> props = new HashMap<>(properties);
        this.handler = new APIGatewayV2HTTPEventFunction() {
            @Override
            protected ApplicationContextBuilder newApplicationContextBuilder() {
                return super.newApplicationContextBuilder().environments("lambda").properties(props);
            }
        };
    }

    APIGatewayV2HTTPEventFunction handler() {
        return handler;
    }

    /** The answer as a client of the Function URL sees it, with a gzip body already inflated. */
    record Answer(int status, Map<String, String> headers, byte[] rawBody, boolean wasBase64, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    Answer send(String method, String pathAndQuery, Map<String, String> headers, byte[] body, boolean base64) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("host", HOST);
        h.put("x-forwarded-proto", "https");
        h.put("x-forwarded-for", "203.0.113.7");
        headers.forEach((k, v) -> h.put(k.toLowerCase(), v));
        Map<String, String> qs = new LinkedHashMap<>();
        if (!query.isEmpty()) {
            for (String kv : query.split("&")) {
                String[] p = kv.split("=", 2);
                qs.put(p[0], p.length > 1 ? p[1] : "");
            }
        }
        String requestId = "fn-url-" + REQUESTS.incrementAndGet();
        APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey("$default")
                .withRawPath(path)
                .withRawQueryString(query)
                .withQueryStringParameters(qs.isEmpty() ? null : qs)
                .withHeaders(h)
                .withBody(body == null ? null : base64 ? Base64.getEncoder().encodeToString(body) : new String(body, StandardCharsets.UTF_8))
                .withIsBase64Encoded(body != null && base64)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withAccountId("anonymous")
                        .withApiId("abcdefghijklmnopqrstuvwxyz012345")
                        .withDomainName(HOST)
                        .withDomainPrefix("abcdefghijklmnopqrstuvwxyz012345")
                        .withRequestId(requestId)
                        .withRouteKey("$default")
                        .withStage("$default")
                        .withTime("21/Nov/2026:22:40:00 +0000")
                        .withTimeEpoch(System.currentTimeMillis())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(method).withPath(path).withProtocol("HTTP/1.1")
                                .withSourceIp("203.0.113.7").withUserAgent("posduif-test").build())
                        .build())
                .build();
        APIGatewayV2HTTPResponse r = handler.handleRequest(event, null);
        byte[] raw = r.getBody() == null ? new byte[0]
                : r.getIsBase64Encoded() ? Base64.getDecoder().decode(r.getBody()) : r.getBody().getBytes(StandardCharsets.UTF_8);
        Map<String, String> rh = new HashMap<>();
        if (r.getHeaders() != null) {
            rh.putAll(r.getHeaders());
        }
        if (r.getMultiValueHeaders() != null) {
            r.getMultiValueHeaders().forEach((k, v) -> rh.putIfAbsent(k, String.join(",", v)));
        }
        Answer a = new Answer(r.getStatusCode(), rh, raw, r.getIsBase64Encoded(), raw);
        if ("gzip".equalsIgnoreCase(a.header("Content-Encoding"))) {
            a = new Answer(a.status(), rh, raw, r.getIsBase64Encoded(), gunzip(raw));
        }
        return a;
    }

    Answer json(String method, String path, String bearer, Object body) {
        Map<String, String> h = new HashMap<>();
        if (bearer != null) {
            h.put("authorization", "Bearer " + bearer);
        }
        byte[] bytes = null;
        if (body != null) {
            h.put("content-type", "application/json");
            bytes = bytes(body);
        }
        return send(method, path, h, bytes, false);
    }

    byte[] bytes(Object body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> map(Answer a) {
        try {
            return json.readValue(a.body(), Map.class);
        } catch (IOException e) {
            throw new AssertionError("not a JSON object (" + a.status() + "): " + a.text(), e);
        }
    }

    /** The wire error code of an error answer. */
    String code(Answer a) {
        Object e = map(a).get("error");
        return e instanceof Map<?, ?> m ? String.valueOf(m.get("code")) : null;
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] gunzip(byte[] data) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError("a gzip-labelled body that does not inflate", e);
        }
    }

    @Override
    public void close() {
        handler.getApplicationContext().close();
    }
}

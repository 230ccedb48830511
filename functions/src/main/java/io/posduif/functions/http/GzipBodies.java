package io.posduif.functions.http;

/**
 * For endpoints that take their body as raw bytes ({@code @Body byte[]}), which bypasses
 * {@link GzipJsonBodyReader}: the same capped inflation, so a gzip body means the same everywhere.
 */
public final class GzipBodies {
    /** Request attribute set by {@link LambdaGzipBodyBuilder}: on Lambda the body arrives here inflated already. */
    static final String INFLATED = "posduif.body.inflated";

    private GzipBodies() {
    }

    private static boolean alreadyInflated() {
        return io.micronaut.http.context.ServerRequestContext.currentRequest()
                .flatMap(r -> r.getAttribute(INFLATED, Boolean.class))
                .orElse(false);
    }

    /**
     * The current request's raw body as the client meant it: every endpoint that takes raw bytes
     * calls this, so a gzip body is accepted (and capped) everywhere, not only on sync.
     */
    public static byte[] decode(byte[] body, HttpLimits limits) {
        String encoding = io.micronaut.http.context.ServerRequestContext.currentRequest()
                .map(r -> r.getHeaders().get(io.micronaut.http.HttpHeaders.CONTENT_ENCODING))
                .orElse(null);
        return decode(encoding, body, limits);
    }

    /** {@link #decode(byte[], HttpLimits)} as UTF-8 text (YAML, JSON handed on as a string). */
    public static String text(byte[] body, HttpLimits limits) {
        byte[] plain = decode(body, limits);
        return plain == null ? null : new String(plain, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The body as the client meant it: inflated under {@code limits} when {@code Content-Encoding} is gzip. */
    public static byte[] decode(String contentEncoding, byte[] body, HttpLimits limits) {
        if (body == null || !Gzip.isGzip(contentEncoding) || alreadyInflated()) {
            return body;
        }
        return Gzip.inflate(new java.io.ByteArrayInputStream(body), limits);
    }
}

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

    /** The body as the client meant it: inflated under {@code limits} when {@code Content-Encoding} is gzip. */
    public static byte[] decode(String contentEncoding, byte[] body, HttpLimits limits) {
        if (body == null || !Gzip.isGzip(contentEncoding) || alreadyInflated()) {
            return body;
        }
        return Gzip.inflate(new java.io.ByteArrayInputStream(body), limits);
    }
}

package io.posduif.functions.http;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.context.ServerRequestContext;
import jakarta.inject.Singleton;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The one place request bodies are inflated: the gzip-aware JSON reader, the Lambda body
 * builder and every endpoint that takes its body as raw bytes ({@code @Body byte[]}, which
 * bypasses the JSON reader) all come here, so a gzip body means the same everywhere — the same
 * caps ({@link HttpLimits}) and the same compression-ratio metric, push included.
 */
@Singleton
public final class GzipBodies {

    /** Request attribute set by {@link LambdaGzipBodyBuilder}: on Lambda the body arrives here inflated already. */
    static final String INFLATED = "posduif.body.inflated";

    private final HttpLimits limits;
    private final DistributionSummary ratio;

    GzipBodies(HttpLimits limits, MeterRegistry registry) {
        this.limits = limits;
        this.ratio = DistributionSummary.builder("posduif.http.request.compression.ratio")
                .description("inflated:compressed size of gzip request bodies").register(registry);
    }

    /** The current request's raw body as the client meant it (inflated when {@code Content-Encoding} is gzip). */
    public byte[] decode(byte[] body) {
        String encoding = ServerRequestContext.currentRequest()
                .map(r -> r.getHeaders().get(HttpHeaders.CONTENT_ENCODING))
                .orElse(null);
        return decode(encoding, body);
    }

    /** {@link #decode(byte[])} as UTF-8 text (YAML, JSON handed on as a string). */
    public String text(byte[] body) {
        byte[] plain = decode(body);
        return plain == null ? null : new String(plain, StandardCharsets.UTF_8);
    }

    /** The body as the client meant it: inflated under the caps when {@code contentEncoding} is gzip. */
    public byte[] decode(String contentEncoding, byte[] body) {
        if (body == null || !Gzip.isGzip(contentEncoding) || alreadyInflated()) {
            return body;
        }
        return inflate(new ByteArrayInputStream(body));
    }

    /** Inflates a gzip stream under the caps and records its compression ratio. */
    byte[] inflate(InputStream compressed) {
        return Gzip.inflate(compressed, limits, ratio::record);
    }

    private static boolean alreadyInflated() {
        return ServerRequestContext.currentRequest()
                .flatMap(r -> r.getAttribute(INFLATED, Boolean.class))
                .orElse(false);
    }
}

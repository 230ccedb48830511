package io.posduif.functions.http;

import io.micronaut.core.annotation.Order;
import io.micronaut.core.io.buffer.ByteBuffer;
import io.micronaut.core.type.Argument;
import io.micronaut.core.type.Headers;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.body.MessageBodyReader;
import io.micronaut.http.codec.CodecException;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.body.JsonMessageHandler;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads JSON request bodies, inflating {@code Content-Encoding: gzip} first under {@link HttpLimits}.
 *
 * <p>Decompression lives here rather than in Netty (whose request decompression is switched
 * off) so that the caps hold and the same code runs behind the Lambda handler, where no Netty
 * exists. Controllers simply receive JSON.
 */
@Singleton
@Consumes({MediaType.APPLICATION_JSON})
@Order(-100)
final class GzipJsonBodyReader<T> implements MessageBodyReader<T> {

    private final JsonMessageHandler<T> json;
    private final HttpLimits limits;
    private final DistributionSummary ratio;

    GzipJsonBodyReader(JsonMapper mapper, HttpLimits limits, MeterRegistry registry) {
        this.json = new JsonMessageHandler<>(mapper);
        this.limits = limits;
        this.ratio = DistributionSummary.builder("posduif.http.request.compression.ratio")
                .description("inflated:compressed size of gzip request bodies").register(registry);
    }

    @Override
    public boolean isReadable(Argument<T> type, MediaType mediaType) {
        return json.isReadable(type, mediaType);
    }

    @Override
    public T read(Argument<T> type, MediaType mediaType, Headers headers, ByteBuffer<?> body) throws CodecException {
        if (!Gzip.isGzip(headers.get(HttpHeaders.CONTENT_ENCODING))) {
            return json.read(type, mediaType, headers, body);
        }
        return read(type, mediaType, headers, body.toInputStream());
    }

    @Override
    public T read(Argument<T> type, MediaType mediaType, Headers headers, InputStream body) throws CodecException {
        if (!Gzip.isGzip(headers.get(HttpHeaders.CONTENT_ENCODING))) {
            return json.read(type, mediaType, headers, body);
        }
        CountingStream counted = new CountingStream(body);
        byte[] plain = Gzip.inflate(counted, limits);
        if (counted.count > 0) {
            ratio.record((double) plain.length / counted.count);
        }
        return json.read(type, mediaType, headers, new ByteArrayInputStream(plain));
    }

    private static final class CountingStream extends java.io.FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }
    }
}

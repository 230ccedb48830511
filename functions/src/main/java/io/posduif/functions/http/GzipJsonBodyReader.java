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
import jakarta.inject.Singleton;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * Reads JSON request bodies, inflating {@code Content-Encoding: gzip} first through {@link GzipBodies}.
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
    private final GzipBodies gzip;

    GzipJsonBodyReader(JsonMapper mapper, GzipBodies gzip) {
        this.json = new JsonMessageHandler<>(mapper);
        this.gzip = gzip;
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
        return json.read(type, mediaType, headers, new ByteArrayInputStream(gzip.inflate(body)));
    }
}

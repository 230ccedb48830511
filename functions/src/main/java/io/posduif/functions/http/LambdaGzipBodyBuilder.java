package io.posduif.functions.http;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.codec.MediaTypeCodecRegistry;
import io.micronaut.servlet.http.BodyBuilder;
import io.micronaut.servlet.http.DefaultBodyBuilder;
import jakarta.inject.Singleton;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.concurrent.Callable;

/**
 * The Lambda adapter's way into request bodies: it does not use the message body readers that
 * Netty uses ({@link GzipJsonBodyReader}), so gzip bodies are inflated here under the same caps.
 */
@Singleton
@Replaces(DefaultBodyBuilder.class)
@Requires(classes = BodyBuilder.class)
final class LambdaGzipBodyBuilder implements BodyBuilder {

    private final DefaultBodyBuilder delegate;
    private final GzipBodies gzip;

    LambdaGzipBodyBuilder(MediaTypeCodecRegistry codecs, GzipBodies gzip) {
        this.delegate = new DefaultBodyBuilder(codecs);
        this.gzip = gzip;
    }

    @Override
    public Object buildBody(Callable<InputStream> body, HttpRequest<?> request) {
        if (!Gzip.isGzip(request.getHeaders().get(HttpHeaders.CONTENT_ENCODING))) {
            return delegate.buildBody(body, request);
        }
        byte[] plain;
        try (InputStream in = body.call()) {
            plain = gzip.inflate(in);
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw new ApiException(io.posduif.protocol.ErrorCode.INVALID_GZIP, "body could not be read");
        }
        // endpoints taking raw bytes (push) inflate through GzipBodies; tell them it is done
        request.setAttribute(GzipBodies.INFLATED, true);
        return delegate.buildBody(() -> new ByteArrayInputStream(plain), request);
    }
}

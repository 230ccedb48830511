package io.posduif.functions.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.core.io.buffer.ByteBuffer;
import io.micronaut.json.JsonMapper;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.posduif.protocol.ErrorCode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/**
 * Content codings at the edge: refuses request encodings we do not speak (415) and gzips JSON
 * responses (level 1) for clients that accept it.
 *
 * <p>Response compression is done here and not only by Netty so that it behaves the same
 * behind the Lambda handler and so that the achieved ratio is measured.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class ContentEncodingFilter {

    private final JsonMapper mapper;
    private final HttpLimits limits;
    private final DistributionSummary ratio;

    ContentEncodingFilter(JsonMapper mapper, HttpLimits limits, MeterRegistry registry) {
        this.mapper = mapper;
        this.limits = limits;
        this.ratio = DistributionSummary.builder("posduif.http.response.compression.ratio")
                .description("uncompressed:gzip size of gzipped JSON responses").register(registry);
    }

    /** Runs first: nothing else should look at a body we cannot decode. */
    @RequestFilter
    @Nullable
    HttpResponse<?> rejectUnknownEncodings(HttpRequest<?> request) {
        String encoding = request.getHeaders().get(HttpHeaders.CONTENT_ENCODING);
        if (Gzip.isIdentity(encoding) || Gzip.isGzip(encoding)) {
            return null;
        }
        return HttpResponse.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
                .body(ErrorBody.of(ErrorCode.UNSUPPORTED_ENCODING, "Content-Encoding must be gzip or identity",
                        Map.of("supported", java.util.List.of("gzip", "identity"))));
    }

    @ResponseFilter
    void gzipJson(HttpRequest<?> request, MutableHttpResponse<?> response) {
        if (!acceptsGzip(request.getHeaders().get(HttpHeaders.ACCEPT_ENCODING))
                || response.getHeaders().contains(HttpHeaders.CONTENT_ENCODING)
                || response.code() == 204 || response.code() == 304 || request.getMethod() == io.micronaut.http.HttpMethod.HEAD) {
            return;
        }
        Optional<MediaType> type = response.getContentType();
        if (type.isPresent() && !type.get().matches(MediaType.APPLICATION_JSON_TYPE)) {
            return;
        }
        Object body = response.getBody().orElse(null);
        byte[] plain;
        if (body == null || body instanceof org.reactivestreams.Publisher<?> || body instanceof java.io.InputStream
                || body instanceof java.io.File || body instanceof io.micronaut.http.server.types.files.FileCustomizableResponseType) {
            return;
        } else if (body instanceof byte[] bytes) {
            if (type.isEmpty()) {
                return;
            }
            plain = bytes;
        } else if (body instanceof ByteBuffer<?> || body instanceof CharSequence) {
            return;
        } else {
            try {
                plain = mapper.writeValueAsBytes(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        MutableHttpResponse<byte[]> r = response.body(plain).contentType(MediaType.APPLICATION_JSON_TYPE);
        r.getHeaders().add(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
        if (plain.length < limits.compressAboveBytes()) {
            return;
        }
        byte[] gz = Gzip.deflate(plain);
        ratio.record((double) plain.length / gz.length);
        r.body(gz).header(HttpHeaders.CONTENT_ENCODING, "gzip");
    }

    /** True unless the client leaves gzip out or gives it {@code q=0}. */
    static boolean acceptsGzip(@Nullable String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        boolean star = false;
        for (String part : acceptEncoding.split(",")) {
            String[] p = part.strip().split(";");
            String coding = p[0].strip().toLowerCase(java.util.Locale.ROOT);
            boolean zero = false;
            for (int i = 1; i < p.length; i++) {
                String param = p[i].strip().replace(" ", "");
                if (param.startsWith("q=")) {
                    try {
                        zero = Double.parseDouble(param.substring(2)) <= 0;
                    } catch (NumberFormatException e) {
                        zero = true;
                    }
                }
            }
            if (coding.equals("gzip") || coding.equals("x-gzip")) {
                return !zero;
            }
            if (coding.equals("*")) {
                star = !zero;
            }
        }
        return star;
    }
}

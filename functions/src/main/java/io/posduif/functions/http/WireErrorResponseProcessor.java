package io.posduif.functions.http;

import io.micronaut.context.annotation.Primary;
import io.micronaut.core.annotation.NonNull;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders every error the framework produces itself (unparseable JSON, missing parameters,
 * unknown routes, wrong methods, media types, micronaut-security's 401/403, unhandled
 * exceptions) in the wire format, so that clients parse exactly one error shape.
 *
 * <p>Server failures never carry the exception's message: it can contain SQL, paths or data.
 */
@Primary
@Singleton
final class WireErrorResponseProcessor implements ErrorResponseProcessor<ErrorBody> {

    private static final int MAX_MESSAGE = 300;

    @Override
    @NonNull
    @SuppressWarnings("unchecked")
    public MutableHttpResponse<ErrorBody> processResponse(@NonNull ErrorContext context, @NonNull MutableHttpResponse<?> response) {
        MutableHttpResponse<ErrorBody> r = (MutableHttpResponse<ErrorBody>) response;
        if (context.getRequest().getMethod() == HttpMethod.HEAD) {
            return r;
        }
        int status = response.code();
        ErrorCode code = codeFor(status, context);
        String message = status >= 500 ? defaultMessage(code) : message(context, code);
        if (code == ErrorCode.MALFORMED_REQUEST) {
            message = normalizeJsonMessage(message);
        }
        return r.body(ErrorBody.of(code, message, Map.of())).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    static ErrorCode codeFor(int status, ErrorContext context) {
        return switch (status) {
            case 400 -> isValidation(context) ? ErrorCode.VALIDATION_ERROR : ErrorCode.MALFORMED_REQUEST;
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 406 -> ErrorCode.NOT_ACCEPTABLE;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            case 429 -> ErrorCode.RATE_LIMITED;
            case 503 -> ErrorCode.SERVICE_UNAVAILABLE;
            default -> status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.MALFORMED_REQUEST;
        };
    }

    /** A parameter that parsed but broke a rule (missing, wrong type for a query value) rather than broken JSON. */
    private static boolean isValidation(ErrorContext context) {
        Throwable t = context.getRootCause().orElse(null);
        if (t instanceof ConversionErrorException c) {
            return !c.getArgument().getAnnotationMetadata().hasAnnotation(Body.class) && !causedByJson(c);
        }
        return t instanceof UnsatisfiedRouteException
                || t != null && t.getClass().getName().endsWith("ConstraintViolationException");
    }

    private static boolean causedByJson(Throwable t) {
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getClass().getName().matches(".*(Json|Serde|Jackson).*")) {
                return true;
            }
        }
        return false;
    }

    private static String message(ErrorContext context, ErrorCode code) {
        String joined = context.getErrors().stream().map(Error::getMessage)
                .filter(m -> m != null && !m.isBlank()).collect(Collectors.joining("; "));
        if (joined.isBlank()) {
            return defaultMessage(code);
        }
        return joined.length() > MAX_MESSAGE ? joined.substring(0, MAX_MESSAGE) + "…" : joined;
    }

    /** Netty and the Lambda adapter word JSON errors differently; clients get one wording. */
    static String normalizeJsonMessage(String message) {
        return message.replaceFirst("^(Invalid JSON|Error decoding request body): ", "invalid JSON: ")
                .replaceAll("\\s*at \\[Source: [^;]*; ", " at ")
                .replaceAll("]$", "");
    }

    private static String defaultMessage(ErrorCode code) {
        return switch (code) {
            case UNAUTHORIZED -> "a valid bearer token is required";
            case FORBIDDEN -> "not allowed";
            case NOT_FOUND -> "no such resource";
            case METHOD_NOT_ALLOWED -> "method not allowed here";
            case SERVICE_UNAVAILABLE -> "service unavailable, retry later";
            case INTERNAL_ERROR -> "internal error";
            default -> code.name().toLowerCase().replace('_', ' ');
        };
    }
}

package io.posduif.functions.http;

import io.posduif.protocol.ErrorCode;

import java.util.Map;

/**
 * A request that cannot be served, with the code the client sees.
 *
 * <p>Throw it anywhere in request handling; {@link ApiExceptionHandler} renders the wire error
 * format. Thrown before any write, or inside a transaction that then rolls back, so that a
 * client mistake changes nothing.
 */
public class ApiException extends RuntimeException {

    private final ErrorCode code;
    private final Map<String, Object> details;

    public ApiException(ErrorCode code, String message) {
        this(code, message, Map.of());
    }

    public ApiException(ErrorCode code, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.code = code;
        this.details = details == null ? Map.of() : details;
    }

    public ErrorCode code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }
}

package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A non-2xx answer from the server, carrying the protocol's error code.
 *
 * <p>{@code code} is a string rather than {@link io.posduif.protocol.ErrorCode} so that a newer
 * server's codes do not break an older device; {@link #is(io.posduif.protocol.ErrorCode)} compares.
 */
public class ApiException extends Exception {
    private final int status;
    private final String code;
    private final JsonNode details;

    public ApiException(int status, String code, String message, JsonNode details) {
        super(status + " " + code + ": " + message);
        this.status = status;
        this.code = code;
        this.details = details;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public JsonNode details() {
        return details;
    }

    public boolean is(io.posduif.protocol.ErrorCode errorCode) {
        return errorCode.name().equals(code);
    }

    /** 5xx and 429 are worth retrying unchanged; other 4xx are not. */
    public boolean isRetryable() {
        return status >= 500 || status == 429;
    }
}

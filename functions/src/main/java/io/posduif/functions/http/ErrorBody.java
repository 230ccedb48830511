package io.posduif.functions.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import io.posduif.protocol.ErrorCode;

import java.util.Map;

/** The wire error format: {@code {"error":{"code","message","details"}}}. */
@Serdeable
public record ErrorBody(Error error) {

    @Serdeable
    public record Error(String code, String message,
                        @JsonInclude(JsonInclude.Include.ALWAYS) Map<String, Object> details) {
    }

    public static ErrorBody of(ErrorCode code, String message, Map<String, Object> details) {
        return new ErrorBody(new Error(code.name(), message, details == null ? Map.of() : details));
    }
}

package io.posduif.functions.schema;

import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;

import java.util.List;
import java.util.Map;

/** A schema file that does not validate; carries every error found, not just the first. */
public final class SchemaInvalidException extends ApiException {

    private final List<SchemaError> errors;

    public SchemaInvalidException(List<SchemaError> errors) {
        super(ErrorCode.SCHEMA_INVALID, summary(errors), Map.of("errors", errors.stream().map(e -> Map.<String, Object>of(
                "file", e.file(), "line", e.line(), "field", e.field(), "message", e.message(), "text", e.toString())).toList()));
        this.errors = List.copyOf(errors);
    }

    public List<SchemaError> errors() {
        return errors;
    }

    private static String summary(List<SchemaError> errors) {
        if (errors.size() == 1) {
            return errors.get(0).toString();
        }
        return errors.get(0) + " (and " + (errors.size() - 1) + " more)";
    }
}

package io.posduif.functions.schema;

import io.micronaut.serde.annotation.Serdeable;

/**
 * One problem in a schema file, located precisely enough to fix it without guessing:
 * {@code demo.yaml:12: tables.messages.columns.body.type: unknown type 'varchar'}.
 */
@Serdeable
public record SchemaError(String file, int line, String field, String message) {

    @Override
    public String toString() {
        return file + ":" + line + ": " + (field.isEmpty() ? "" : field + ": ") + message;
    }
}

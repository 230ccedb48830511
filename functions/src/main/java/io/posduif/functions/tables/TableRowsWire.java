package io.posduif.functions.tables;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The documented wire shape of one row of the tables API, for the OpenAPI document only: rows
 * are free-form per tenant table (its declared columns, values in wire form), so the controller
 * keeps maps and reads bodies as bytes (gzip under caps, precise error codes).
 */
final class TableRowsWire {

    private TableRowsWire() {
    }

    @Schema(name = "TableRow", type = "object", additionalProperties = Schema.AdditionalPropertiesValue.TRUE,
            description = "Declared column names of the table to values in wire form (docs/protocol.md §4).")
    record Row() {
    }
}

package io.posduif.functions.schema;

/**
 * One declared column.
 *
 * @param defaultValue a literal of the column's type as written in the schema file (already
 *                     validated), or {@code null}; rendered into DDL by the generators, never
 *                     concatenated from user input at request time
 * @param serverOwned  devices may not write it (e.g. a message's delivery status)
 */
public record ColumnDef(String name, ColumnType type, boolean nullable, String defaultValue,
                        boolean primaryKey, boolean serverOwned) {
}

package io.posduif.functions.schema;

import java.util.List;

/** A declared secondary index; created on PostgreSQL and, for device tables, on SQLite. */
public record IndexDef(String name, List<String> columns, boolean unique) {
}

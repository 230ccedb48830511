package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A column as app-instructions describe it. {@code serverOwned} is honoured when the server
 * sends it ({@code server_owned}): such columns are readable but never written by the device.
 */
public record ColumnDef(String name, String type, boolean primaryKey, boolean nullable, boolean serverOwned) {
    static ColumnDef from(JsonNode node) {
        return new ColumnDef(
                Identifiers.require(node.path("name").asText(null)),
                node.path("type").asText("text").toLowerCase(java.util.Locale.ROOT),
                node.path("primary_key").asBoolean(false),
                node.path("nullable").asBoolean(true),
                node.path("server_owned").asBoolean(false));
    }

    /** SQLite affinity for a column added to an existing table. */
    String sqliteType() {
        return switch (type) {
            case "integer", "boolean" -> "INTEGER";
            case "real" -> "REAL";
            case "blob" -> "BLOB";
            default -> "TEXT";
        };
    }
}

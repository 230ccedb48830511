package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /api/app-instructions}, parsed; the raw JSON is kept so it can be stored and re-read. */
public record AppInstructions(long schemaVersion, String tenantId, String apiBaseUrl,
                              Map<String, TableDef> tables, int batchSize, boolean compression,
                              int syncIntervalSeconds, String sseUrl, long migrationFrom, java.util.List<String> migrationSql,
                              JsonNode raw) {

    public static AppInstructions from(JsonNode node) {
        JsonNode schema = node.path("schema");
        Map<String, TableDef> tables = new LinkedHashMap<>();
        for (JsonNode t : schema.path("tables")) {
            TableDef table = TableDef.from(t);
            // web-only never reaches devices per protocol; if a server sends one anyway, ignore it.
            if (table.synced() || TableDef.MOBILE_ONLY.equals(table.sync())) {
                tables.put(table.name(), table);
            }
        }
        long version = schema.has("version") ? schema.path("version").asLong() : node.path("version").asLong(0);
        JsonNode sc = node.path("sync_config");
        int batch = sc.path("batch_size").asInt(100);
        // Optional (asked with ?from_version=N): the server's own statements from version N,
        // which can also rebuild tables where SQLite's ALTER TABLE falls short.
        JsonNode migration = node.path("migration");
        java.util.List<String> migrationSql = new java.util.ArrayList<>();
        migration.path("sqlite").forEach(st -> migrationSql.add(st.asText()));
        return new AppInstructions(version, node.path("tenant_id").asText(null),
                node.path("api_base_url").asText(null), tables,
                Math.max(1, Math.min(batch, 500)),
                sc.path("compression").asBoolean(true),
                Math.max(1, sc.path("sync_interval_seconds").asInt(300)),
                sc.path("sse_url").asText(null), migration.path("from_version").asLong(-1),
                java.util.List.copyOf(migrationSql), node);
    }

    public TableDef table(String name) {
        return tables.get(name);
    }
}

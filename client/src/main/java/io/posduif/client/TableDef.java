package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A table of the tenant's schema as a device sees it. */
public record TableDef(String name, String sync, String conflict, boolean deviceWritable,
                       Map<String, ColumnDef> columns, List<String> primaryKey, List<String> sqliteDdl) {
    public static final String MOBILE_SYNCED = "mobile-synced";
    public static final String MOBILE_ONLY = "mobile-only";

    static TableDef from(JsonNode node) {
        Map<String, ColumnDef> columns = new LinkedHashMap<>();
        for (JsonNode c : node.path("columns")) {
            ColumnDef col = ColumnDef.from(c);
            columns.put(col.name(), col);
        }
        List<String> pk = new ArrayList<>();
        for (JsonNode p : node.path("primary_key")) {
            pk.add(Identifiers.require(p.asText()));
        }
        if (pk.isEmpty()) {
            columns.values().stream().filter(ColumnDef::primaryKey).forEach(c -> pk.add(c.name()));
        }
        List<String> ddl = new ArrayList<>();
        for (JsonNode d : node.path("sqlite_ddl")) {
            ddl.add(d.asText());
        }
        String sync = node.path("sync").asText(MOBILE_SYNCED);
        return new TableDef(Identifiers.require(node.path("name").asText(null)), sync,
                node.path("conflict").asText("lww"),
                node.path("device_writable").asBoolean(true),
                columns, List.copyOf(pk), List.copyOf(ddl));
    }

    public boolean synced() {
        return MOBILE_SYNCED.equals(sync);
    }
}

package io.posduif.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** App-instructions documents shaped like the server's (docs/protocol.md §4), for tests without a server. */
final class Schemas {
    private Schemas() {
    }

    static final String NOTES_V1 = "CREATE TABLE IF NOT EXISTS \"notes\" (\"id\" TEXT NOT NULL PRIMARY KEY, \"title\" TEXT NOT NULL,"
            + " \"done\" INTEGER, \"meta\" TEXT, \"count\" INTEGER)";
    static final String NOTES_V2 = "CREATE TABLE IF NOT EXISTS \"notes\" (\"id\" TEXT NOT NULL PRIMARY KEY, \"title\" TEXT NOT NULL,"
            + " \"done\" INTEGER, \"meta\" TEXT, \"count\" INTEGER, \"priority\" INTEGER)";

    static AppInstructions v1() {
        ObjectNode root = base(1);
        ArrayNode tables = ((ObjectNode) root.get("schema")).putArray("tables");
        tables.add(notes(false));
        tables.add(table("drafts", "mobile-only", true, "CREATE TABLE IF NOT EXISTS \"drafts\" (\"id\" TEXT PRIMARY KEY, \"body\" TEXT)",
                col("id", "text", true, false), col("body", "text", false, true)));
        tables.add(table("announcements", "mobile-synced", false,
                "CREATE TABLE IF NOT EXISTS \"announcements\" (\"id\" INTEGER PRIMARY KEY, \"text\" TEXT)",
                col("id", "integer", true, false), col("text", "text", false, true)));
        return AppInstructions.from(root);
    }

    /** v2: notes gains {@code priority}; a new table {@code tags} with an index. */
    static AppInstructions v2() {
        ObjectNode root = base(2);
        ArrayNode tables = ((ObjectNode) root.get("schema")).putArray("tables");
        tables.add(notes(true));
        tables.add(table("drafts", "mobile-only", true, "CREATE TABLE IF NOT EXISTS \"drafts\" (\"id\" TEXT PRIMARY KEY, \"body\" TEXT)",
                col("id", "text", true, false), col("body", "text", false, true)));
        tables.add(table("announcements", "mobile-synced", false,
                "CREATE TABLE IF NOT EXISTS \"announcements\" (\"id\" INTEGER PRIMARY KEY, \"text\" TEXT)",
                col("id", "integer", true, false), col("text", "text", false, true)));
        ObjectNode tags = table("tags", "mobile-synced", true,
                "CREATE TABLE IF NOT EXISTS \"tags\" (\"id\" TEXT NOT NULL PRIMARY KEY, \"name\" TEXT NOT NULL)",
                col("id", "text", true, false), col("name", "text", false, false));
        ((ArrayNode) tags.get("sqlite_ddl")).add("CREATE INDEX \"tags_name\" ON \"tags\" (\"name\")");
        tables.add(tags);
        return AppInstructions.from(root);
    }

    private static ObjectNode notes(boolean v2) {
        ObjectNode t = table("notes", "mobile-synced", true, v2 ? NOTES_V2 : NOTES_V1,
                col("id", "uuid", true, false), col("title", "text", false, false), col("done", "boolean", false, true),
                col("meta", "json", false, true), col("count", "integer", false, true));
        if (v2) {
            ((ArrayNode) t.get("columns")).add(col("priority", "integer", false, true));
        }
        return t;
    }

    private static ObjectNode base(int version) {
        ObjectNode root = Json.object();
        root.put("version", Integer.toString(version));
        root.put("tenant_id", "demo");
        root.put("api_base_url", "http://localhost:8080");
        ObjectNode schema = root.putObject("schema");
        schema.put("version", version);
        schema.put("checksum", "sha256:test");
        ObjectNode sc = root.putObject("sync_config");
        sc.put("batch_size", 100);
        sc.put("compression", true);
        sc.put("sync_interval_seconds", 300);
        sc.put("sse_url", "http://localhost:8081/sse/mobile/{device_id}");
        return root;
    }

    private static ObjectNode table(String name, String sync, boolean writable, String ddl, ObjectNode... cols) {
        ObjectNode t = Json.object();
        t.put("name", name);
        t.put("sync", sync);
        t.put("conflict", "lww");
        t.put("device_writable", writable);
        ArrayNode c = t.putArray("columns");
        ArrayNode pk = t.putArray("primary_key");
        for (ObjectNode col : cols) {
            c.add(col);
            if (col.path("primary_key").asBoolean()) {
                pk.add(col.path("name").asText());
            }
        }
        t.putArray("indexes");
        t.putArray("sqlite_ddl").add(ddl);
        return t;
    }

    private static ObjectNode col(String name, String type, boolean pk, boolean nullable) {
        ObjectNode c = Json.object();
        c.put("name", name);
        c.put("type", type);
        c.put("primary_key", pk);
        c.put("nullable", nullable);
        return c;
    }
}

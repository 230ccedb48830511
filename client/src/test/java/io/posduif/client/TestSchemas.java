package io.posduif.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Loads a schema with every portable type into a device, bypassing the server (sim package tests). */
public final class TestSchemas {
    private TestSchemas() {
    }

    public static void load(PosduifDevice device) throws Exception {
        ObjectNode root = Json.object();
        ObjectNode schema = root.putObject("schema");
        schema.put("version", 1);
        ArrayNode tables = schema.putArray("tables");
        ObjectNode t = tables.addObject();
        t.put("name", "everything");
        t.put("sync", "mobile-synced");
        t.put("device_writable", true);
        ArrayNode cols = t.putArray("columns");
        String[][] defs = {{"id", "uuid"}, {"user_id", "uuid"}, {"t", "text"}, {"i", "integer"}, {"r", "real"}, {"b", "boolean"},
                {"ts", "timestamp"}, {"d", "date"}, {"j", "json"}, {"bl", "blob"}, {"must", "text"}};
        for (String[] d : defs) {
            ObjectNode c = cols.addObject();
            c.put("name", d[0]);
            c.put("type", d[1]);
            c.put("primary_key", d[0].equals("id"));
            c.put("nullable", !d[0].equals("id") && !d[0].equals("must"));
        }
        t.putArray("primary_key").add("id");
        t.putArray("sqlite_ddl").add("CREATE TABLE IF NOT EXISTS \"everything\" (\"id\" TEXT PRIMARY KEY, \"user_id\" TEXT,"
                + " \"t\" TEXT, \"i\" INTEGER, \"r\" REAL, \"b\" INTEGER, \"ts\" TEXT, \"d\" TEXT, \"j\" TEXT, \"bl\" BLOB, \"must\" TEXT NOT NULL)");
        var f = PosduifDevice.class.getDeclaredField("db");
        f.setAccessible(true);
        ((LocalDatabase) f.get(device)).applyInstructions(AppInstructions.from(root));
    }
}

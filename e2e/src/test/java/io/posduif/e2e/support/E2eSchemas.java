package io.posduif.e2e.support;

/** Tenant data models used by the end-to-end tests (format: docs/schema-format.md). */
public final class E2eSchemas {
    private E2eSchemas() {
    }

    /** Personal notes (field-lww, own rows only), messages between users, a device-only table, a web-only table. */
    public static final String NOTES = """
            tables:
              notes:
                sync: mobile-synced
                conflict: field-lww
                filter: owner_id = :user_id
                columns:
                  id:       { type: uuid, primary_key: true }
                  owner_id: { type: uuid, nullable: false }
                  title:    { type: text, nullable: false, default: "" }
                  body:     { type: text }
                  pinned:   { type: boolean, nullable: false, default: false }
                  tags:     { type: json }
                  score:    { type: real }
                  due:      { type: date }
                indexes:
                  - { name: notes_owner, columns: [owner_id] }
              drafts:
                sync: mobile-only
                columns:
                  id:   { type: uuid, primary_key: true }
                  body: { type: text }
              audit:
                sync: web-only
                columns:
                  id:     { type: uuid, primary_key: true }
                  action: { type: text }
            """;

    public static final String[] FUZZ_SYNCED = {"f_lww", "f_field", "f_server", "f_manual", "f_shared"};

    /** One table per conflict policy, all scoped to the owner, plus one table every device sees. */
    public static final String FUZZ = fuzzTable("f_lww", "lww", true) + fuzzTable("f_field", "field-lww", true)
            + fuzzTable("f_server", "server-wins", true) + fuzzTable("f_manual", "manual", true)
            + fuzzTable("f_shared", "lww", false) + """
              f_local:
                sync: mobile-only
                columns:
                  id:   { type: uuid, primary_key: true }
                  body: { type: text }
            """;

    private static String fuzzTable(String name, String conflict, boolean scoped) {
        return (name.equals("f_lww") ? "tables:\n" : "") + "  " + name + ":\n"
                + "    sync: mobile-synced\n"
                + "    conflict: " + conflict + "\n"
                + (scoped ? "    filter: owner_id = :user_id\n" : "")
                + "    columns:\n"
                + "      id:       { type: uuid, primary_key: true }\n"
                + "      owner_id: { type: uuid, nullable: false }\n"
                + "      title:    { type: text }\n"
                + "      n:        { type: integer }\n"
                + "      flag:     { type: boolean }\n"
                + "      meta:     { type: json }\n";
    }
}

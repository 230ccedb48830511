package io.posduif.functions.schema;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.Arguments;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of broken schema file is refused with a message that names file, line and field,
 * so an operator can fix it without guessing. Each case asserts its own message.
 */
class InvalidSchemaIsRejectedWithFileLineAndFieldTest {

    /** A valid table to embed broken ones next to (lines 2-6). */
    private static final String OK = """
            tables:
              things:
                sync: mobile-synced
                columns:
                  id: { type: uuid, primary_key: true }
            """;

    static Stream<Arguments> cases() {
        return Stream.of(
                c("unknown type", OK + "      body: { type: varchar }\n", "t.yaml:6: tables.things.columns.body.type: unknown type 'varchar'"),
                c("missing type", OK + "      body: { nullable: true }\n", "t.yaml:6: tables.things.columns.body.type: missing"),
                c("reserved word as table", """
                        tables:
                          select:
                            sync: web-only
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:2: tables.select: table name 'select' is a reserved word"),
                c("reserved word as column", OK + "      order: { type: text }\n", "t.yaml:6: tables.things.columns.order: column name 'order' is a reserved word"),
                c("quote in table name", """
                        tables:
                          'a"b':
                            sync: web-only
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:2: tables.a\"b: table name 'a\"b' is not a valid identifier"),
                c("injection in column name", OK + "      \"x text); drop table things; --\": { type: text }\n", "t.yaml:6: tables.things.columns.x text); drop table things; --: column name 'x text); drop table things; --' is not a valid identifier"),
                c("unicode look-alike in column name", OK + "      nаme: { type: text }\n", "t.yaml:6: tables.things.columns.n\u0430me: column name 'n\\u0430me' is not a valid identifier"),
                c("name over 63 bytes", OK + "      %s: { type: text }\n".formatted("c".repeat(64)), "t.yaml:6: tables.things.columns." + "c".repeat(64) + ": column name '" + "c".repeat(64) + "' is longer than 63 bytes"),
                c("upper case table", """
                        tables:
                          Things:
                            sync: web-only
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:2: tables.Things: table name 'Things' must be lower case"),
                c("engine prefix", """
                        tables:
                          posduif_users:
                            sync: web-only
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:2: tables.posduif_users: table name 'posduif_users' uses the prefix 'posduif_', which is reserved for the engine"),
                c("synced table without primary key", """
                        tables:
                          things:
                            sync: mobile-synced
                            columns:
                              name: { type: text }
                        """, "t.yaml:4: tables.things.columns: a mobile-synced table needs a primary key"),
                c("unknown table key", """
                        tables:
                          things:
                            sync: mobile-synced
                            colour: blue
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.colour: unknown key 'colour'"),
                c("unknown column key", OK + "      body: { type: text, size: 40 }\n", "t.yaml:6: tables.things.columns.body.size: unknown key 'size'"),
                c("unknown top-level key", "version: 2\n" + OK, "t.yaml:1: version: unknown key 'version'"),
                c("duplicate column", OK + "      id: { type: text }\n", "t.yaml:6: tables.things.columns.id: duplicate key 'id' (first defined on line 5)"),
                c("bad integer default", OK + "      n: { type: integer, default: abc }\n", "t.yaml:6: tables.things.columns.n.default: default 'abc' is not a valid integer"),
                c("bad boolean default", OK + "      b: { type: boolean, default: maybe }\n", "t.yaml:6: tables.things.columns.b.default: default 'maybe' is not a valid boolean (use true or false)"),
                c("bad uuid default", OK + "      u: { type: uuid, default: not-a-uuid }\n", "t.yaml:6: tables.things.columns.u.default: default 'not-a-uuid' is not a valid uuid"),
                c("bad timestamp default", OK + "      t: { type: timestamp, default: yesterday }\n", "t.yaml:6: tables.things.columns.t.default: default 'yesterday' is not a valid timestamp (use an ISO-8601 timestamp or 'now')"),
                c("bad json default", OK + "      j: { type: json, default: \"{oops\" }\n", "t.yaml:6: tables.things.columns.j.default: default '{oops' is not a valid json"),
                c("blob default", OK + "      b: { type: blob, default: AAAA }\n", "t.yaml:6: tables.things.columns.b.default: blob columns cannot have a default"),
                c("conflict on web-only table", """
                        tables:
                          things:
                            sync: web-only
                            conflict: manual
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.conflict: only mobile-synced tables have conflicts; this table is web-only"),
                c("unknown conflict policy", """
                        tables:
                          things:
                            sync: mobile-synced
                            conflict: newest
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.conflict: unknown conflict policy 'newest'"),
                c("unknown sync mode", """
                        tables:
                          things:
                            sync: both-ways
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:3: tables.things.sync: unknown sync mode 'both-ways'"),
                c("missing sync mode", """
                        tables:
                          things:
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:3: tables.things.sync: missing"),
                c("filter on unknown column", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: owner = :user_id
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.filter: unknown column 'owner'"),
                c("filter with unknown parameter", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: id = :tenant_id
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.filter: unknown parameter ':tenant_id'"),
                c("filter with raw SQL", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: "id = :user_id; DROP TABLE things"
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.filter: unexpected character ';' at position 14"),
                c("filter comparing two columns", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: id = other
                            columns:
                              id: { type: uuid, primary_key: true }
                              other: { type: uuid }
                        """, "t.yaml:4: tables.things.filter: expected a parameter or a literal, got 'other'"),
                c("filter with subquery", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: id IN (SELECT id FROM posduif_users)
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.filter: expected a parameter or a literal, got 'SELECT'"),
                c("filter literal of wrong type", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: n = 'ten'
                            columns:
                              id: { type: uuid, primary_key: true }
                              n: { type: integer }
                        """, "t.yaml:4: tables.things.filter: literal 'ten' does not fit column 'n' of type integer"),
                c("filter on a timestamp column", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: at = :user.since
                            columns:
                              id: { type: uuid, primary_key: true }
                              at: { type: timestamp }
                        """, "t.yaml:4: tables.things.filter: column 'at' has type timestamp; filters compare only text, integer, uuid and boolean columns"),
                c("IN with a scalar parameter", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: id IN :user_id
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.filter: :user_id is a single value"),
                c("filter on a web-only table", """
                        tables:
                          things:
                            sync: web-only
                            filter: id = :user_id
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.filter: only mobile-synced tables are filtered; this table is web-only"),
                c("unbalanced filter", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: (id = :user_id
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.filter: expected ')', got 'end of filter'"),
                c("index on unknown column", OK + "    indexes:\n      - { name: things_x, columns: [x] }\n", "t.yaml:7: tables.things.indexes.things_x.columns: unknown column 'x'"),
                c("index name clashes with a table", OK + "    indexes:\n      - { name: things, columns: [id] }\n", "t.yaml:7: tables.things.indexes.things: index name 'things' is already used by tables.things"),
                c("index without name", OK + "    indexes:\n      - { columns: [id] }\n", "t.yaml:7: tables.things.indexes[0].name: missing"),
                c("nullable primary key", """
                        tables:
                          things:
                            sync: mobile-synced
                            columns:
                              id: { type: uuid, primary_key: true, nullable: true }
                        """, "t.yaml:5: tables.things.columns.id.nullable: a primary key column cannot be nullable"),
                c("non-boolean flag", OK + "      x: { type: text, nullable: perhaps }\n", "t.yaml:6: tables.things.columns.x.nullable: expected true or false, got 'perhaps'"),
                c("device_writable on a web-only table", """
                        tables:
                          things:
                            sync: web-only
                            device_writable: false
                            columns:
                              id: { type: uuid, primary_key: true }
                        """, "t.yaml:4: tables.things.device_writable: applies only to mobile-synced tables"),
                c("table without columns", """
                        tables:
                          things:
                            sync: web-only
                            columns: {}
                        """, "t.yaml:4: tables.things.columns: declares no columns"),
                c("columns as a list", """
                        tables:
                          things:
                            sync: web-only
                            columns: [id, name]
                        """, "t.yaml:4: tables.things.columns: expected a map, got a list"),
                c("no tables key", "things: {}\n", "t.yaml:1: things: unknown key 'things'"),
                c("empty file", "  \n", "t.yaml:1: the file is empty"),
                c("broken YAML", "tables:\n  things: [\n", "t.yaml:3: not valid YAML"),
                c("YAML anchors", """
                        tables:
                          things: &t
                            sync: web-only
                            columns:
                              id: { type: uuid, primary_key: true }
                          other: *t
                        """, "t.yaml:2: tables.things: YAML anchors and aliases are not supported"),
                c("json primary key", """
                        tables:
                          things:
                            sync: mobile-synced
                            columns:
                              id: { type: json, primary_key: true }
                        """, "t.yaml:5: tables.things.columns.id.primary_key: a json column cannot be a primary key"),
                c("server_owned on web-only table", """
                        tables:
                          things:
                            sync: web-only
                            columns:
                              id: { type: uuid, primary_key: true }
                              x: { type: text, server_owned: true }
                        """, "t.yaml:6: tables.things.columns.x.server_owned: applies only to mobile-synced tables"),
                // U+0000 is valid YAML in quoted scalars but PostgreSQL text cannot hold it (and it cuts DDL short)
                c("NUL in a text default", OK + "      body: { type: text, default: \"a\\0b\" }\n",
                        "t.yaml:6: tables.things.columns.body.default: the value must not contain U+0000"),
                c("NUL in a json default", OK + "      meta: { type: json, default: '{\"k\": \"\\u0000\"}' }\n",
                        "t.yaml:6: tables.things.columns.meta.default: default '{\"k\": \"\\u0000\"}': its strings must not contain U+0000"),
                c("NUL in a filter literal", """
                        tables:
                          things:
                            sync: mobile-synced
                            filter: "owner = 'a\\x00'"
                            columns:
                              id: { type: uuid, primary_key: true }
                              owner: { type: text }
                        """, "t.yaml:4: tables.things.filter: the value must not contain U+0000"));
    }

    private static Arguments c(String name, String yaml, String expected) {
        return Arguments.of(name, yaml, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRejectedWithItsMessage(String name, String yaml, String expected) {
        SchemaInvalidException e = assertThrows(SchemaInvalidException.class, () -> SchemaParser.parse("t.yaml", yaml));
        assertTrue(e.errors().stream().anyMatch(err -> err.toString().startsWith(expected)),
                () -> name + ": expected an error starting with\n  " + expected + "\ngot\n  "
                        + String.join("\n  ", e.errors().stream().map(SchemaError::toString).toList()));
    }
}

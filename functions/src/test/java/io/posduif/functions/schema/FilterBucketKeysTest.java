package io.posduif.functions.schema;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilterBucketKeysTest {

    private static final String A = "6f1c2d3e-0000-4000-8000-00000000000a";
    private static final String B = "6f1c2d3e-0000-4000-8000-00000000000b";

    static TenantSchema demo() throws Exception {
        return SchemaParser.parse("demo.yaml", Files.readString(Path.of("../infra/tenants/demo.yaml"))).atVersion(1);
    }

    @Test
    void demoFileIsValidAndCoversEveryModeAndPolicy() throws Exception {
        TenantSchema s = demo();
        for (SyncMode m : SyncMode.values()) {
            assertTrue(s.tables().stream().anyMatch(t -> t.sync() == m), m.wireName());
        }
        for (ConflictPolicy p : ConflictPolicy.values()) {
            assertTrue(s.tables().stream().anyMatch(t -> t.isSynced() && t.conflict() == p), p.wireName());
        }
        TableDef users = s.table("users").orElseThrow();
        assertFalse(users.deviceWritable());
        assertTrue(users.column("last_message_sent").orElseThrow().serverOwned());
        assertEquals(Set.of("user_id"), s.table("messages").orElseThrow().filter().parameters());
    }

    @Test
    void aMessageIsInTheBucketsOfSenderAndRecipient() throws Exception {
        SyncFilter f = demo().table("messages").orElseThrow().filter();
        Map<String, Object> row = Map.of("id", "x", "sender_id", A, "recipient_id", B.toUpperCase());
        assertEquals(Set.of("messages|user_id=" + A, "messages|user_id=" + B), f.bucketsOfRow(row));
        assertEquals(List.of("messages|user_id=" + A), f.bucketsOfPrincipal(Map.of("user_id", A, "device_id", "d1")));
        assertEquals(Set.of("messages|user_id=" + A), f.bucketsOfRow(Map.of("sender_id", A, "recipient_id", A)), "message to self: one key");
        Map<String, Object> noRecipient = new HashMap<>(Map.of("sender_id", A));
        noRecipient.put("recipient_id", null);
        assertEquals(Set.of("messages|user_id=" + A), f.bucketsOfRow(noRecipient), "NULL columns give no key");
    }

    @Test
    void listParametersAndLiteralPredicates() throws Exception {
        SyncFilter f = demo().table("tasks").orElseThrow().filter();
        assertEquals(Set.of("tasks|user.teams=ops"), f.bucketsOfRow(Map.of("team", "ops", "shared", true)));
        assertEquals(Set.of(), f.bucketsOfRow(Map.of("team", "ops", "shared", false)), "literal predicate false: no key");
        assertEquals(Set.of("tasks|user_id=" + A, "tasks|user.teams=ops"), f.bucketsOfRow(Map.of("assignee_id", A, "team", "ops", "shared", true)));
        assertEquals(List.of("tasks|user_id=" + A, "tasks|user.teams=ops", "tasks|user.teams=dev"),
                f.bucketsOfPrincipal(Map.of("user_id", A, "user.teams", List.of("ops", "dev"))));
        assertEquals(List.of("tasks|user_id=" + A, "tasks|user.teams=ops"),
                f.bucketsOfPrincipal(Map.of("user_id", A, "user", Map.of("teams", List.of("ops")))), "nested attribute map");
        assertEquals(List.of("tasks|user_id=" + A), f.bucketsOfPrincipal(Map.of("user_id", A)), "missing attribute subscribes to nothing");
    }

    @Test
    void valuesCannotForgeAnotherKey() throws Exception {
        TenantSchema s = SchemaParser.parse("t.yaml", """
                tables:
                  t:
                    sync: mobile-synced
                    filter: (a = :user.x AND b = :user.y) OR a = :user.x
                    columns:
                      id: { type: uuid, primary_key: true }
                      a: { type: text }
                      b: { type: text }
                """).atVersion(1);
        SyncFilter f = s.table("t").orElseThrow().filter();
        assertEquals(Set.of("t|user.x=p%26user.y%3Dq"), f.bucketsOfRow(Map.of("a", "p&user.y=q")));
        assertEquals(Set.of("t|user.x=p&user.y=q", "t|user.x=p"), f.bucketsOfRow(Map.of("a", "p", "b", "q")));
    }

    @Test
    void tableWithoutFilterHasOneBucket() {
        SyncFilter f = BucketFilter.everything("users");
        assertEquals(Set.of("users|*"), f.bucketsOfRow(Map.of("id", A)));
        assertEquals(List.of("users|*"), f.bucketsOfPrincipal(Map.of("user_id", A)));
    }

    @Test
    void rowReferenceMustBeARowNotSql() throws Exception {
        SyncFilter f = demo().table("messages").orElseThrow().filter();
        assertThrows(IllegalArgumentException.class, () -> f.bucketsSql("NEW; DROP TABLE x"));
        assertTrue(f.bucketsSql("NEW").contains("(NEW.\"sender_id\")::text"));
    }

    @Test
    void checksumIgnoresCommentsAndLayoutButNotMeaning() {
        String a = "tables:\n  t:\n    sync: web-only\n    columns:\n      id: {type: uuid, primary_key: true}\n";
        String b = "# comment\ntables:\n  t:\n    columns:\n      id:\n        primary_key: true\n        type: uuid\n    sync: web-only\n";
        String c = "tables:\n  t:\n    sync: web-only\n    columns:\n      id: {type: text, primary_key: true}\n";
        assertEquals(SchemaParser.parse("a", a).checksum(), SchemaParser.parse("b", b).checksum());
        assertFalse(SchemaParser.parse("a", a).checksum().equals(SchemaParser.parse("c", c).checksum()));
    }
}

package io.posduif.functions.schema;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The capture trigger computes bucket keys in SQL, push scope checks compute them in Java; a
 * device only sees what it should if both agree on every row, including NULLs, odd text and
 * rows matching no alternative.
 */
@MicronautTest
class BucketKeysAgreeBetweenJavaAndPostgresTest extends StackTest {

    @Inject
    Fixtures fixtures;
    @Inject
    SchemaApplier applier;

    static final String SCHEMA = """
            tables:
              things:
                sync: mobile-synced
                filter: "(owner = :user_id AND kind IN ('a', 'b|c', 'it''s')) OR (grp IN :user.groups AND level = 3 AND open = true) OR code = :device_id OR (flag = false AND owner = :user_id AND other = :user_id)"
                columns:
                  id: { type: integer, primary_key: true }
                  owner: { type: uuid }
                  other: { type: uuid }
                  kind: { type: text }
                  grp: { type: text }
                  level: { type: integer }
                  open: { type: boolean }
                  flag: { type: boolean }
                  code: { type: text }
            """;

    @Test
    void randomRowsGetTheSameKeysInSqlAndJava() throws Exception {
        TenantId t = fixtures.newTenant("sagree");
        SchemaDefinition def = SchemaParser.parse("agree.yaml", SCHEMA);
        applier.apply(t, def, false, "test");
        TableDef table = def.tables().get(0);
        Random rnd = new Random(42);
        UUID[] users = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
        String[] texts = {"a", "b|c", "it's", "x&y=z", "%", "", "A"};
        Map<Integer, Map<String, Object>> rows = new HashMap<>();
        try (Connection c = stack().connect();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + t.schema() + ".things (id, owner, other, kind, grp, level, open, flag, code) VALUES (?,?,?,?,?,?,?,?,?)")) {
            for (int i = 0; i < 400; i++) {
                Map<String, Object> row = new HashMap<>();
                row.put("id", (long) i);
                row.put("owner", rnd.nextInt(4) == 0 ? null : users[rnd.nextInt(3)].toString());
                row.put("other", rnd.nextInt(4) == 0 ? null : users[rnd.nextInt(3)].toString());
                row.put("kind", rnd.nextInt(5) == 0 ? null : texts[rnd.nextInt(texts.length)]);
                row.put("grp", rnd.nextInt(5) == 0 ? null : texts[rnd.nextInt(texts.length)]);
                row.put("level", rnd.nextInt(5) == 0 ? null : (long) rnd.nextInt(5));
                row.put("open", rnd.nextInt(5) == 0 ? null : rnd.nextBoolean());
                row.put("flag", rnd.nextInt(5) == 0 ? null : rnd.nextBoolean());
                row.put("code", rnd.nextInt(5) == 0 ? null : texts[rnd.nextInt(texts.length)]);
                ps.setLong(1, i);
                ps.setObject(2, row.get("owner") == null ? null : UUID.fromString((String) row.get("owner")));
                ps.setObject(3, row.get("other") == null ? null : UUID.fromString((String) row.get("other")));
                ps.setObject(4, row.get("kind"));
                ps.setObject(5, row.get("grp"));
                ps.setObject(6, row.get("level"));
                ps.setObject(7, row.get("open"));
                ps.setObject(8, row.get("flag"));
                ps.setObject(9, row.get("code"));
                ps.executeUpdate();
                rows.put(i, row);
            }
        }
        SyncFilter f = table.filter();
        int nonEmpty = 0;
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT t.id, " + f.bucketsSql("t") + " FROM " + t.schema() + ".things t")) {
            while (rs.next()) {
                Set<String> sql = toSet(rs.getArray(2));
                Set<String> java = f.bucketsOfRow(rows.get(rs.getInt(1)));
                assertEquals(java, sql, "row " + rows.get(rs.getInt(1)));
                nonEmpty += sql.isEmpty() ? 0 : 1;
            }
        }
        // the capture trigger recorded the same keys as the buckets of each inserted row, and no removals
        try (Connection c = stack().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pk->>'id', removed, buckets, deleted FROM " + t.schema() + ".posduif_changes WHERE tbl = 'things'")) {
            int n = 0;
            while (rs.next()) {
                n++;
                assertEquals(false, rs.getBoolean(4));
                assertEquals(Set.of(), toSet(rs.getArray(2)));
                assertEquals(f.bucketsOfRow(rows.get(Integer.parseInt(rs.getString(1)))), toSet(rs.getArray(3)));
            }
            assertEquals(400, n);
        }
        // enough rows in scope to make the comparison meaningful
        assertEquals(true, nonEmpty > 100, "rows with keys: " + nonEmpty);
        // a principal's keys meet exactly the rows the predicate selects
        UUID u = users[0];
        Set<String> mine = new HashSet<>(f.bucketsOfPrincipal(Map.of("user_id", u.toString(), "device_id", "a", "user.groups", List.of("a", "x&y=z"))));
        for (Map<String, Object> row : rows.values()) {
            boolean expected = (u.toString().equals(row.get("owner")) && java.util.Arrays.asList("a", "b|c", "it's").contains(row.get("kind")))
                    || (java.util.Arrays.asList("a", "x&y=z").contains(row.get("grp")) && Long.valueOf(3).equals(row.get("level")) && Boolean.TRUE.equals(row.get("open")))
                    || "a".equals(row.get("code"))
                    || (Boolean.FALSE.equals(row.get("flag")) && u.toString().equals(row.get("owner")) && u.toString().equals(row.get("other")));
            Set<String> keys = new HashSet<>(f.bucketsOfRow(row));
            keys.retainAll(mine);
            assertEquals(expected, !keys.isEmpty(), row.toString());
        }
    }

    @Test
    void updatesAndDeletesCarryOldAndNewBuckets() throws Exception {
        TenantId t = fixtures.newTenant("sbuck");
        applier.apply(t, SchemaParser.parse("demo.yaml", java.nio.file.Files.readString(java.nio.file.Path.of("../infra/tenants/demo.yaml"))), false, "test");
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        UUID c2 = UUID.randomUUID();
        UUID id = UUID.randomUUID();
        String entry = "SELECT tbl, pk::text, data IS NULL, deleted, buckets, removed FROM " + t.schema() + ".posduif_changes WHERE tbl = 'messages'";
        try (Connection c = stack().connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + t.schema() + ".messages (id, sender_id, recipient_id, content) VALUES ('" + id + "', '" + a + "', '" + b + "', 'hi')");
            try (ResultSet rs = s.executeQuery(entry)) {
                rs.next();
                assertEquals("messages", rs.getString(1));
                assertEquals("{\"id\": \"" + id + "\"}", rs.getString(2));
                assertEquals(false, rs.getBoolean(3));
                assertEquals(Set.of("messages|user_id=" + a, "messages|user_id=" + b), toSet(rs.getArray(5)));
                assertEquals(Set.of(), toSet(rs.getArray(6)));
                assertEquals(false, rs.next(), "one entry per row");
            }
            // the recipient changes: b's holders hear the row left them
            s.execute("UPDATE " + t.schema() + ".messages SET recipient_id = '" + c2 + "' WHERE id = '" + id + "'");
            try (ResultSet rs = s.executeQuery(entry)) {
                rs.next();
                assertEquals(false, rs.getBoolean(4));
                assertEquals(Set.of("messages|user_id=" + a, "messages|user_id=" + c2), toSet(rs.getArray(5)));
                assertEquals(Set.of("messages|user_id=" + b), toSet(rs.getArray(6)));
                assertEquals(false, rs.next(), "one entry per row");
            }
            // a delete is in no bucket and removes the row from every bucket it was in since
            s.execute("DELETE FROM " + t.schema() + ".messages WHERE id = '" + id + "'");
            try (ResultSet rs = s.executeQuery(entry)) {
                rs.next();
                assertEquals(true, rs.getBoolean(3));
                assertEquals(true, rs.getBoolean(4));
                assertEquals(Set.of(), toSet(rs.getArray(5)));
                assertEquals(Set.of("messages|user_id=" + a, "messages|user_id=" + b, "messages|user_id=" + c2), toSet(rs.getArray(6)));
                assertEquals(false, rs.next(), "one entry per row");
            }
        }
    }

    static Set<String> toSet(Array a) throws java.sql.SQLException {
        Set<String> out = new HashSet<>();
        if (a != null) {
            for (Object o : (Object[]) a.getArray()) {
                out.add((String) o);
            }
        }
        return out;
    }
}

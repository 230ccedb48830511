package io.posduif.functions.sync;

import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.SyncFilter;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Test filter {@code <column> = :user_id}, keyed like the schema feature's filters
 * ({@code <table>|user_id=<value>}); lets sync tests run without the YAML layer.
 */
public record OwnerFilter(String table, String column) implements SyncFilter {

    @Override
    public String source() {
        return column + " = :user_id";
    }

    @Override
    public Set<String> columns() {
        return Set.of(column);
    }

    @Override
    public Set<String> parameters() {
        return Set.of("user_id");
    }

    @Override
    public String bucketsSql(String rowRef) {
        String col = rowRef + "." + Sql.q(column);
        return "CASE WHEN " + col + " IS NULL THEN '{}'::text[] ELSE ARRAY['" + table + "|user_id=' || " + col + "::text] END";
    }

    @Override
    public Set<String> bucketsOfRow(Map<String, Object> row) {
        Object v = row.get(column);
        return v == null ? Set.of() : Set.of(table + "|user_id=" + v);
    }

    @Override
    public List<String> bucketsOfPrincipal(Map<String, Object> params) {
        return List.of(table + "|user_id=" + params.get("user_id"));
    }
}

package io.posduif.functions.schema;

import io.posduif.functions.db.Sql;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * SQLite DDL for the device side of a schema, and the statements that move a device database
 * from one schema version to the next.
 *
 * <p>SQLite's ALTER TABLE can only add plain columns; anything else (drop, type or key change,
 * NOT NULL, a non-constant default) needs the documented table rebuild: create the new shape
 * under a temporary name, copy the common columns, drop, rename. Devices keep their rows across
 * a migration; synced rows that a rebuild cannot keep are re-pulled.
 */
public final class SqliteDdl {

    /** Temporary name used while rebuilding a table; the engine prefix cannot clash with tenant tables. */
    static final String REBUILD = "posduif_rebuild";

    private SqliteDdl() {
    }

    /** {@code CREATE TABLE IF NOT EXISTS} plus its indexes, ready to run on a fresh device. */
    public static List<String> createTable(TableDef t) {
        List<String> out = new ArrayList<>();
        out.add(tableSql(t, t.name(), true));
        for (IndexDef i : t.indexes()) {
            out.add(indexSql(t.name(), i));
        }
        return out;
    }

    private static String tableSql(TableDef t, String name, boolean ifNotExists) {
        StringBuilder b = new StringBuilder("CREATE TABLE ").append(ifNotExists ? "IF NOT EXISTS " : "").append(Sql.q(name)).append(" (");
        boolean first = true;
        for (ColumnDef c : t.columns()) {
            b.append(first ? "" : ", ").append(columnSql(c));
            first = false;
        }
        if (!t.primaryKey().isEmpty()) {
            b.append(", PRIMARY KEY (").append(t.primaryKey().stream().map(Sql::q).collect(Collectors.joining(", "))).append(')');
        }
        return b.append(')').toString();
    }

    private static String columnSql(ColumnDef c) {
        return Sql.q(c.name()) + " " + c.type().sqliteType() + (c.nullable() ? "" : " NOT NULL")
                + (c.defaultValue() == null ? "" : " DEFAULT " + sqliteDefault(c));
    }

    static String indexSql(String table, IndexDef i) {
        return "CREATE " + (i.unique() ? "UNIQUE " : "") + "INDEX IF NOT EXISTS " + Sql.q(i.name()) + " ON " + Sql.q(table)
                + " (" + i.columns().stream().map(Sql::q).collect(Collectors.joining(", ")) + ")";
    }

    /** The SQLite literal (or parenthesised expression) of a validated default. */
    static String sqliteDefault(ColumnDef c) {
        String v = c.defaultValue();
        return switch (c.type()) {
            case INTEGER, REAL -> v;
            case BOOLEAN -> v.equals("true") ? "1" : "0";
            case TIMESTAMP -> v.equals(SchemaParser.NOW) ? "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))" : lit(v);
            default -> lit(v);
        };
    }

    private static boolean constantDefault(ColumnDef c) {
        return c.defaultValue() == null || !(c.type() == ColumnType.TIMESTAMP && SchemaParser.NOW.equals(c.defaultValue()));
    }

    private static String lit(String v) {
        return "'" + v.replace("'", "''") + "'";
    }

    /**
     * Statements that turn a device database of schema {@code from} into one of {@code to}
     * (device tables only: mobile-synced and mobile-only), keeping rows.
     */
    public static List<String> migrate(TenantSchema from, TenantSchema to) {
        List<String> out = new ArrayList<>();
        Map<String, TableDef> old = new LinkedHashMap<>();
        from.tables().stream().filter(TableDef::isOnDevice).forEach(t -> old.put(t.name(), t));
        for (TableDef t : to.tables()) {
            if (!t.isOnDevice()) {
                continue;
            }
            TableDef o = old.remove(t.name());
            if (o == null) {
                out.addAll(createTable(t));
            } else {
                out.addAll(migrateTable(o, t));
            }
        }
        for (TableDef gone : old.values()) {
            out.add("DROP TABLE IF EXISTS " + Sql.q(gone.name()));
        }
        return out;
    }

    private static List<String> migrateTable(TableDef o, TableDef n) {
        List<String> out = new ArrayList<>();
        boolean rebuild = !o.primaryKey().equals(n.primaryKey());
        List<ColumnDef> added = new ArrayList<>();
        for (ColumnDef oc : o.columns()) {
            ColumnDef nc = n.column(oc.name()).orElse(null);
            if (nc == null || nc.type().sqliteType().equals(oc.type().sqliteType()) == false || nc.nullable() != oc.nullable()
                    || !Objects.equals(nc.defaultValue(), oc.defaultValue())) {
                rebuild = true;
            }
        }
        for (ColumnDef nc : n.columns()) {
            if (o.column(nc.name()).isEmpty()) {
                added.add(nc);
                if (nc.primaryKey() || !constantDefault(nc) || (!nc.nullable() && nc.defaultValue() == null)) {
                    rebuild = true;
                }
            }
        }
        if (rebuild) {
            List<String> common = n.columns().stream().map(ColumnDef::name).filter(c -> o.column(c).isPresent()).map(Sql::q).toList();
            out.add("DROP TABLE IF EXISTS " + Sql.q(REBUILD));
            out.add(tableSql(n, REBUILD, false));
            out.add("INSERT INTO " + Sql.q(REBUILD) + " (" + String.join(", ", common) + ") SELECT " + String.join(", ", common)
                    + " FROM " + Sql.q(n.name()));
            out.add("DROP TABLE " + Sql.q(n.name()));
            out.add("ALTER TABLE " + Sql.q(REBUILD) + " RENAME TO " + Sql.q(n.name()));
            for (IndexDef i : n.indexes()) {
                out.add(indexSql(n.name(), i));
            }
            return out;
        }
        for (ColumnDef c : added) {
            out.add("ALTER TABLE " + Sql.q(n.name()) + " ADD COLUMN " + columnSql(c));
        }
        Map<String, IndexDef> oldIdx = new LinkedHashMap<>();
        o.indexes().forEach(i -> oldIdx.put(i.name(), i));
        for (IndexDef i : n.indexes()) {
            IndexDef oi = oldIdx.remove(i.name());
            if (oi != null && oi.equals(i)) {
                continue;
            }
            if (oi != null) {
                out.add("DROP INDEX IF EXISTS " + Sql.q(i.name()));
            }
            out.add(indexSql(n.name(), i));
        }
        for (IndexDef gone : oldIdx.values()) {
            out.add("DROP INDEX IF EXISTS " + Sql.q(gone.name()));
        }
        return out;
    }
}

package io.posduif.functions.schema;

import io.micronaut.serde.annotation.Serdeable;
import io.posduif.functions.db.Sql;
import io.posduif.functions.sync.CaptureTriggers;
import io.posduif.functions.tenant.TenantId;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Diffs the applied schema against a new definition and lists the PostgreSQL steps.
 *
 * <p>The plan is computed before anything runs so that an operator sees it (dry run) and so
 * that destructive steps can be refused as a whole: an apply never half-destroys. Mobile-only
 * tables live only on devices and have no PostgreSQL table.
 */
final class SchemaPlanner {

    private SchemaPlanner() {
    }

    /** One step of a plan. */
    @Serdeable
    record PlanStep(String kind, String table, String description, boolean destructive, List<String> sql) {
    }

    static boolean onServer(TableDef t) {
        return t != null && t.sync() != SyncMode.MOBILE_ONLY;
    }

    static List<PlanStep> plan(TenantId tenant, TenantSchema current, List<TableDef> next) {
        List<PlanStep> drops = new ArrayList<>();
        List<PlanStep> changes = new ArrayList<>();
        List<PlanStep> captures = new ArrayList<>();
        Map<String, TableDef> old = new LinkedHashMap<>();
        current.tables().forEach(t -> old.put(t.name(), t));
        Map<String, TableDef> neu = new LinkedHashMap<>();
        next.forEach(t -> neu.put(t.name(), t));
        String schema = tenant.schema();

        for (TableDef o : old.values()) {
            TableDef n = neu.get(o.name());
            if (onServer(o) && !onServer(n)) {
                List<String> sql = new ArrayList<>();
                if (o.isSynced()) {
                    sql.addAll(CaptureTriggers.dropSql(tenant, o.name(), true));
                }
                sql.add("DROP TABLE " + Sql.q(schema, o.name()));
                drops.add(new PlanStep("drop_table", o.name(), n == null
                        ? "drop table " + o.name() + " and all its rows"
                        : "drop server table " + o.name() + " and all its rows (it becomes mobile-only)", true, sql));
            }
        }
        for (TableDef n : next) {
            TableDef o = old.get(n.name());
            if (onServer(n) && !onServer(o)) {
                changes.add(new PlanStep("create_table", n.name(), "create table " + n.name(), false, createTable(tenant, n)));
                for (IndexDef i : n.indexes()) {
                    changes.add(new PlanStep("create_index", n.name(), "create index " + i.name(), false, List.of(createIndex(schema, n.name(), i))));
                }
            } else if (onServer(n)) {
                diffTable(tenant, o, n, changes);
            }
            if (n.isSynced()) {
                captures.add(new PlanStep("install_capture", n.name(), "(re)generate the change-capture trigger of " + n.name(), false,
                        CaptureTriggers.installSql(tenant, n)));
                String why = recaptureReason(o, n);
                if (why != null) {
                    captures.add(new PlanStep("recapture", n.name(), "re-record every row of " + n.name() + " in the change log ("
                            + why + ")", false, List.of(CaptureTriggers.recaptureSql(tenant, n))));
                }
            } else if (o != null && o.isSynced() && onServer(n)) {
                captures.add(new PlanStep("drop_capture", n.name(), "remove the change-capture trigger of " + n.name()
                        + " (no longer mobile-synced)", false, CaptureTriggers.dropSql(tenant, n.name(), true)));
            }
        }
        List<PlanStep> out = new ArrayList<>(drops);
        out.addAll(changes);
        out.addAll(captures);
        return out;
    }

    /**
     * Why the change log's entries of an existing table no longer describe its rows, or null.
     * Entries carry the buckets and the wire form of the row as of their write; after a filter
     * change devices would be routed by the old rule, after a column change they would receive
     * stale row shapes, and a table that just became synced has no entries at all. Re-recording
     * every row (after the new trigger is installed) gives each row a fresh entry: holders of the
     * old buckets get a removal, holders of the new ones the row.
     */
    static String recaptureReason(TableDef o, TableDef n) {
        if (!onServer(o)) {
            return null; // created by this plan: empty
        }
        if (!o.isSynced()) {
            return "it becomes mobile-synced";
        }
        String oldFilter = o.filter() == null ? null : o.filter().source();
        String newFilter = n.filter() == null ? null : n.filter().source();
        if (!Objects.equals(oldFilter, newFilter)) {
            return "its filter changed";
        }
        if (!o.primaryKey().equals(n.primaryKey())) {
            return "its primary key changed";
        }
        if (!wireShape(o).equals(wireShape(n))) {
            return "its columns changed";
        }
        return null;
    }

    private static Map<String, ColumnType> wireShape(TableDef t) {
        Map<String, ColumnType> shape = new TreeMap<>();
        t.columns().forEach(c -> shape.put(c.name(), c.type()));
        return shape;
    }

    private static void diffTable(TenantId tenant, TableDef o, TableDef n, List<PlanStep> out) {
        String schema = tenant.schema();
        String table = Sql.q(schema, n.name());
        for (ColumnDef oc : o.columns()) {
            if (n.column(oc.name()).isEmpty()) {
                out.add(new PlanStep("drop_column", n.name(), "drop column " + n.name() + "." + oc.name() + " and its data", true,
                        List.of("ALTER TABLE " + table + " DROP COLUMN " + Sql.q(oc.name()))));
            }
        }
        boolean pkChanged = !o.primaryKey().equals(n.primaryKey());
        for (ColumnDef nc : n.columns()) {
            ColumnDef oc = o.column(nc.name()).orElse(null);
            String col = Sql.q(nc.name());
            if (oc == null) {
                boolean safe = nc.nullable() || nc.defaultValue() != null;
                out.add(new PlanStep("add_column", n.name(), "add column " + n.name() + "." + nc.name() + " " + nc.type().wireName()
                        + (safe ? "" : " NOT NULL without a default (fails if the table has rows)"), !safe,
                        List.of("ALTER TABLE " + table + " ADD COLUMN " + columnSql(nc))));
                continue;
            }
            if (oc.type() != nc.type()) {
                List<String> sql = new ArrayList<>();
                if (oc.defaultValue() != null) {
                    sql.add("ALTER TABLE " + table + " ALTER COLUMN " + col + " DROP DEFAULT");
                }
                sql.add("ALTER TABLE " + table + " ALTER COLUMN " + col + " TYPE " + nc.type().pgType() + " USING " + col + "::" + nc.type().pgType());
                if (nc.defaultValue() != null) {
                    sql.add("ALTER TABLE " + table + " ALTER COLUMN " + col + " SET DEFAULT " + pgDefault(nc));
                }
                out.add(new PlanStep("alter_column_type", n.name(), "change type of " + n.name() + "." + nc.name() + " from "
                        + oc.type().wireName() + " to " + nc.type().wireName(), true, sql));
            } else if (!Objects.equals(oc.defaultValue(), nc.defaultValue())) {
                out.add(new PlanStep("set_default", n.name(), "change default of " + n.name() + "." + nc.name(), false,
                        List.of("ALTER TABLE " + table + " ALTER COLUMN " + col
                                + (nc.defaultValue() == null ? " DROP DEFAULT" : " SET DEFAULT " + pgDefault(nc)))));
            }
            if (oc.nullable() && !nc.nullable() && !nc.primaryKey()) {
                out.add(new PlanStep("set_not_null", n.name(), "make " + n.name() + "." + nc.name() + " NOT NULL (fails if a row holds NULL)", true,
                        List.of("ALTER TABLE " + table + " ALTER COLUMN " + col + " SET NOT NULL")));
            } else if (!oc.nullable() && nc.nullable() && !oc.primaryKey()) {
                out.add(new PlanStep("drop_not_null", n.name(), "allow NULL in " + n.name() + "." + nc.name(), false,
                        List.of("ALTER TABLE " + table + " ALTER COLUMN " + col + " DROP NOT NULL")));
            }
        }
        if (pkChanged) {
            List<String> sql = new ArrayList<>();
            sql.add("DO $pk$ DECLARE c text; BEGIN SELECT conname INTO c FROM pg_constraint WHERE conrelid = "
                    + "format('%I.%I', " + "'" + schema + "', '" + n.name() + "')::regclass AND contype = 'p'; "
                    + "IF c IS NOT NULL THEN EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT %I', '" + schema + "', '" + n.name() + "', c); END IF; END $pk$");
            for (String c : o.primaryKey()) {
                if (n.column(c).map(ColumnDef::nullable).orElse(false)) {
                    sql.add("ALTER TABLE " + table + " ALTER COLUMN " + Sql.q(c) + " DROP NOT NULL");
                }
            }
            sql.add("ALTER TABLE " + table + " ADD PRIMARY KEY (" + n.primaryKey().stream().map(Sql::q).collect(Collectors.joining(", ")) + ")");
            out.add(new PlanStep("change_primary_key", n.name(), "change primary key of " + n.name() + " from " + o.primaryKey()
                    + " to " + n.primaryKey() + " (fails on duplicates; devices must re-bootstrap)", true, sql));
        }
        Map<String, IndexDef> oldIdx = new LinkedHashMap<>();
        o.indexes().forEach(i -> oldIdx.put(i.name(), i));
        for (IndexDef ni : n.indexes()) {
            IndexDef oi = oldIdx.remove(ni.name());
            if (oi == null) {
                out.add(new PlanStep("create_index", n.name(), "create index " + ni.name(), false, List.of(createIndex(schema, n.name(), ni))));
            } else if (!oi.equals(ni)) {
                out.add(new PlanStep("replace_index", n.name(), "recreate index " + ni.name() + " as " + ni.columns()
                        + (ni.unique() ? " unique" : ""), false,
                        List.of("DROP INDEX IF EXISTS " + Sql.q(schema, ni.name()), createIndex(schema, n.name(), ni))));
            }
        }
        for (IndexDef gone : oldIdx.values()) {
            out.add(new PlanStep("drop_index", n.name(), "drop index " + gone.name(), false, List.of("DROP INDEX IF EXISTS " + Sql.q(schema, gone.name()))));
        }
    }

    static List<String> createTable(TenantId tenant, TableDef t) {
        StringBuilder b = new StringBuilder("CREATE TABLE ").append(Sql.q(tenant.schema(), t.name())).append(" (");
        boolean first = true;
        for (ColumnDef c : t.columns()) {
            b.append(first ? "" : ", ").append(columnSql(c));
            first = false;
        }
        if (!t.primaryKey().isEmpty()) {
            b.append(", PRIMARY KEY (").append(t.primaryKey().stream().map(Sql::q).collect(Collectors.joining(", "))).append(')');
        }
        b.append(')');
        return List.of(b.toString(),
                "GRANT SELECT, INSERT, UPDATE, DELETE ON " + Sql.q(tenant.schema(), t.name()) + " TO " + Sql.q(tenant.role()));
    }

    private static String columnSql(ColumnDef c) {
        return Sql.q(c.name()) + " " + c.type().pgType() + (c.nullable() ? "" : " NOT NULL")
                + (c.defaultValue() == null ? "" : " DEFAULT " + pgDefault(c));
    }

    static String createIndex(String schema, String table, IndexDef i) {
        return "CREATE " + (i.unique() ? "UNIQUE " : "") + "INDEX " + Sql.q(i.name()) + " ON " + Sql.q(schema, table)
                + " (" + i.columns().stream().map(Sql::q).collect(Collectors.joining(", ")) + ")";
    }

    /** The PostgreSQL literal of a validated default (see SchemaParser#defaultValue). */
    static String pgDefault(ColumnDef c) {
        String v = c.defaultValue();
        return switch (c.type()) {
            case INTEGER, REAL -> v;
            case BOOLEAN -> v.equals("true") ? "true" : "false";
            case TIMESTAMP -> v.equals(SchemaParser.NOW) ? "now()" : lit(v) + "::timestamptz";
            default -> lit(v) + "::" + c.type().pgType();
        };
    }

    private static String lit(String v) {
        return "'" + v.replace("'", "''") + "'";
    }
}

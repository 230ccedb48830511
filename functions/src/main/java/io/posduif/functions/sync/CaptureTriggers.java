package io.posduif.functions.sync;

import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.tenant.TenantId;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Generates the change-capture trigger of a mobile-synced table: {@code AFTER INSERT OR UPDATE
 * OR DELETE FOR EACH ROW}, calling {@code <schema>.posduif_capture(p_table, p_op, p_pk, p_row,
 * p_old_buckets, p_new_buckets)} (V30 migration).
 *
 * <p>Schema apply runs {@link #installSql} for every mobile-synced table and {@link #dropSql}
 * for tables that stop being synced, in its own transaction, so a failing trigger definition
 * rolls the whole apply back.
 *
 * <p>{@code p_row} is the row already in wire form (timestamps as {@code …Z} with milliseconds,
 * blobs as base64; everything else is what {@code to_jsonb} gives): capture renders a row once,
 * and pull serves that text verbatim to every device instead of converting it per pull.
 * A primary-key update is captured as a delete of the old key and an insert of the new one.
 */
public final class CaptureTriggers {

    /** Name of the trigger on every captured table. */
    public static final String TRIGGER_NAME = "posduif_capture";

    private CaptureTriggers() {
    }

    /** The per-table trigger function; short and stable whatever the table name's length. */
    public static String functionName(String table) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(table.getBytes(StandardCharsets.UTF_8));
            String head = table.length() > 30 ? table.substring(0, 30) : table;
            return "posduif_cap_" + head + "_" + HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Statements that create or replace the trigger function and the trigger of {@code table}. */
    public static List<String> installSql(TenantId tenant, TableDef table) {
        if (!table.isSynced()) {
            throw new IllegalArgumentException("only mobile-synced tables are captured: " + table.name());
        }
        String schema = tenant.schema();
        String fn = Sql.q(schema, functionName(table.name()));
        String capture = Sql.q(schema, "posduif_capture");
        String tableLit = literal(table.name());
        String pkNew = pkJson(table, "NEW");
        String pkOld = pkJson(table, "OLD");
        String rowNew = rowJson(table, "NEW");
        String oldBuckets = buckets(table, "OLD");
        String newBuckets = buckets(table, "NEW");
        String body = "BEGIN\n"
                + "  IF TG_OP = 'DELETE' THEN\n"
                + "    PERFORM " + capture + "(" + tableLit + ", 'DELETE', " + pkOld + ", NULL::jsonb, " + oldBuckets + ", NULL::text[]);\n"
                + "    RETURN OLD;\n"
                + "  ELSIF TG_OP = 'UPDATE' THEN\n"
                + "    IF " + pkOld + " IS DISTINCT FROM " + pkNew + " THEN\n"
                + "      PERFORM " + capture + "(" + tableLit + ", 'DELETE', " + pkOld + ", NULL::jsonb, " + oldBuckets + ", NULL::text[]);\n"
                + "      PERFORM " + capture + "(" + tableLit + ", 'INSERT', " + pkNew + ", " + rowNew + ", NULL::text[], " + newBuckets + ");\n"
                + "    ELSE\n"
                + "      PERFORM " + capture + "(" + tableLit + ", 'UPDATE', " + pkNew + ", " + rowNew + ", " + oldBuckets + ", " + newBuckets + ");\n"
                + "    END IF;\n"
                + "  ELSE\n"
                + "    PERFORM " + capture + "(" + tableLit + ", 'INSERT', " + pkNew + ", " + rowNew + ", NULL::text[], " + newBuckets + ");\n"
                + "  END IF;\n"
                + "  RETURN NEW;\n"
                + "END";
        String tag = "$posduif$";
        for (int n = 0; body.contains(tag); n++) {
            tag = "$posduif" + n + "$";
        }
        List<String> out = new ArrayList<>();
        out.add("CREATE OR REPLACE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS " + tag + "\n" + body + "\n" + tag);
        out.add("DROP TRIGGER IF EXISTS " + Sql.q(TRIGGER_NAME) + " ON " + Sql.q(schema, table.name()));
        out.add("CREATE TRIGGER " + Sql.q(TRIGGER_NAME) + " AFTER INSERT OR UPDATE OR DELETE ON " + Sql.q(schema, table.name())
                + " FOR EACH ROW EXECUTE FUNCTION " + fn + "()");
        return out;
    }

    /** Statements that remove capture from {@code table} (it stopped being synced); safe if absent. */
    public static List<String> dropSql(TenantId tenant, String table, boolean tableStillExists) {
        List<String> out = new ArrayList<>();
        if (tableStillExists) {
            out.add("DROP TRIGGER IF EXISTS " + Sql.q(TRIGGER_NAME) + " ON " + Sql.q(tenant.schema(), table));
        }
        out.add("DROP FUNCTION IF EXISTS " + Sql.q(tenant.schema(), functionName(table)) + "() CASCADE");
        return out;
    }

    /**
     * A statement re-recording every row of the table as a fresh change, for when a table becomes
     * synced or its filter changes (entries must carry the new buckets).
     */
    public static String recaptureSql(TenantId tenant, TableDef table) {
        String first = Sql.q(table.primaryKey().get(0));
        return "UPDATE " + Sql.q(tenant.schema(), table.name()) + " SET " + first + " = " + first;
    }

    private static String buckets(TableDef t, String ref) {
        if (t.filter() == null) {
            return "ARRAY[" + literal(t.name() + "|*") + "]::text[]";
        }
        return "(" + t.filter().bucketsSql(ref) + ")::text[]";
    }

    private static String pkJson(TableDef t, String ref) {
        List<String> pairs = new ArrayList<>();
        for (String k : t.primaryKey()) {
            ColumnDef col = t.column(k).orElseThrow(() -> new IllegalArgumentException("pk column not declared: " + k));
            pairs.add(literal(k) + ", " + wireValue(col, ref));
        }
        return "jsonb_build_object(" + String.join(", ", pairs) + ")";
    }

    /**
     * The row as wire JSON. {@code to_jsonb(row)} already matches the wire for most types; only
     * timestamps and blobs are overridden, keeping the common case a single cheap call.
     */
    private static String rowJson(TableDef t, String ref) {
        List<String> overrides = new ArrayList<>();
        for (ColumnDef c : t.columns()) {
            switch (c.type()) {
                case TIMESTAMP, BLOB -> overrides.add(literal(c.name()) + ", " + wireValue(c, ref));
                default -> {
                }
            }
        }
        StringBuilder sb = new StringBuilder("to_jsonb(").append(ref).append(")");
        // jsonb_build_object takes at most 100 arguments
        for (int i = 0; i < overrides.size(); i += 50) {
            sb.append(" || jsonb_build_object(")
                    .append(String.join(", ", overrides.subList(i, Math.min(overrides.size(), i + 50))))
                    .append(")");
        }
        return sb.toString();
    }

    private static String wireValue(ColumnDef c, String ref) {
        String v = ref + "." + Sql.q(c.name());
        return switch (c.type()) {
            case TIMESTAMP -> "to_char(" + v + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
            case BLOB -> "translate(encode(" + v + ", 'base64'), E'\\n', '')";
            default -> v;
        };
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}

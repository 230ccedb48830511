package io.posduif.functions.sync;

import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.tenant.TenantId;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Generates the change-capture trigger of a mobile-synced table (the contract in BRIEFING.md):
 * {@code AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW}, calling
 * {@code <schema>.posduif_capture(p_table, p_op, p_pk, p_row, p_old_buckets, p_new_buckets)}.
 *
 * <p>Owned by the sync developer; created by the schema developer with the agreed contract so
 * that schema apply can (re)generate triggers. The schema apply runs the returned statements in
 * its own transaction, so a failing trigger definition rolls the whole apply back.
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
        String schema = tenant.schema();
        String fn = Sql.q(schema, functionName(table.name()));
        String capture = Sql.q(schema, "posduif_capture");
        String tableLit = "'" + table.name() + "'";
        String newBuckets = table.filter() == null ? "ARRAY['" + table.name() + "|*']::text[]" : table.filter().bucketsSql("NEW");
        String oldBuckets = table.filter() == null ? "ARRAY['" + table.name() + "|*']::text[]" : table.filter().bucketsSql("OLD");
        String body = "BEGIN\n"
                + "  IF TG_OP = 'DELETE' THEN\n"
                + "    PERFORM " + capture + "(" + tableLit + ", 'DELETE', " + pkJson(table, "OLD") + ", NULL::jsonb, " + oldBuckets + ", NULL::text[]);\n"
                + "    RETURN OLD;\n"
                + "  ELSIF TG_OP = 'UPDATE' THEN\n"
                + "    PERFORM " + capture + "(" + tableLit + ", 'UPDATE', " + pkJson(table, "NEW") + ", to_jsonb(NEW), " + oldBuckets + ", " + newBuckets + ");\n"
                + "  ELSE\n"
                + "    PERFORM " + capture + "(" + tableLit + ", 'INSERT', " + pkJson(table, "NEW") + ", to_jsonb(NEW), NULL::text[], " + newBuckets + ");\n"
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

    private static String pkJson(TableDef table, String rowRef) {
        StringBuilder b = new StringBuilder("jsonb_build_object(");
        boolean first = true;
        for (String col : table.primaryKey()) {
            b.append(first ? "" : ", ").append("'").append(col).append("', ").append(rowRef).append('.').append(Sql.q(col));
            first = false;
        }
        return b.append(')').toString();
    }
}

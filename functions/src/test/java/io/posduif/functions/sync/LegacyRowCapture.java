package io.posduif.functions.sync;

import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.tenant.TenantId;

import java.util.ArrayList;
import java.util.List;

/**
 * The per-row capture trigger of earlier versions (a plpgsql call of V30's
 * {@code posduif_capture} per row), kept as the reference the statement-level capture is
 * compared against, and as the shape hand-written capture triggers still have.
 */
final class LegacyRowCapture {

    private LegacyRowCapture() {
    }

    static List<String> installSql(TenantId tenant, TableDef table) {
        String schema = tenant.schema();
        String fn = Sql.q(schema, "legacy_cap_" + table.name());
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
        List<String> out = new ArrayList<>();
        out.add("CREATE OR REPLACE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $legacy$\n" + body + "\n$legacy$");
        out.add("CREATE TRIGGER " + Sql.q(CaptureTriggers.LEGACY_TRIGGER_NAME) + " AFTER INSERT OR UPDATE OR DELETE ON " + Sql.q(schema, table.name())
                + " FOR EACH ROW EXECUTE FUNCTION " + fn + "()");
        return out;
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
            pairs.add(literal(k) + ", " + wireValue(t.column(k).orElseThrow(), ref));
        }
        return "jsonb_build_object(" + String.join(", ", pairs) + ")";
    }

    private static String rowJson(TableDef t, String ref) {
        List<String> overrides = new ArrayList<>();
        for (ColumnDef c : t.columns()) {
            switch (c.type()) {
                case TIMESTAMP, BLOB -> overrides.add(literal(c.name()) + ", " + wireValue(c, ref));
                default -> {
                }
            }
        }
        String out = "to_jsonb(" + ref + ")";
        return overrides.isEmpty() ? out : out + " || jsonb_build_object(" + String.join(", ", overrides) + ")";
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

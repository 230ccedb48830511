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
 * Generates the change capture of a mobile-synced table: three {@code AFTER … FOR EACH STATEMENT}
 * triggers (insert, update, delete; PostgreSQL allows transition tables only on single-event
 * triggers) sharing one trigger function that records the whole statement's rows in the change
 * log with one set-based SQL statement. An {@code INSERT … ON CONFLICT DO UPDATE} fires the insert
 * trigger for the rows it inserted and the update trigger for the rows it updated.
 *
 * <p>Why statement level: a row-level trigger cost a plpgsql call plus a compaction lookup, a
 * change-log insert and scope inserts <em>per row</em> (about 20 ms per 100-row push, more than
 * the whole raw upsert). Set-based, a 100-row push is one index probe batch and two inserts.
 *
 * <p>The statement keeps every invariant of {@code posduif_capture} (V30), which stays for
 * hand-written capture triggers:
 * <ul>
 *   <li>one entry per (tbl, pk): the previous entry and its scope rows are deleted (inline
 *       compaction), also when the same transaction wrote the row in an earlier statement;</li>
 *   <li>{@code removed} = buckets the row left: its old buckets plus the previous entry's buckets
 *       and removals, minus the buckets it is in now (a deleted row is in none);</li>
 *   <li>position {@code (pg_current_xact_id(), nextval(posduif_change_seq))}, origin from the
 *       transaction setting {@code posduif.origin};</li>
 *   <li>the row in wire form, rendered once (timestamps as {@code …Z} with milliseconds, blobs as
 *       base64; everything else is what {@code to_jsonb} gives): pull serves that text verbatim;</li>
 *   <li>a primary-key update is a delete of the old key and an insert of the new one: old and new
 *       rows of an update are paired by primary key, an old key without a new row is a delete,
 *       a new key without an old row an insert;</li>
 *   <li>one scope row per bucket in buckets ∪ removed;</li>
 *   <li>the row's conflict clock, if the writing push handed one over in {@link #CLOCKS_SETTING}
 *       (one write per row fewer than a table of clocks beside the log).</li>
 * </ul>
 * The statement is static SQL (plpgsql caches its plan; {@code EXECUTE} cost twice as much in
 * planning), so every lookup in it is shaped to be right whatever the row counts and statistics
 * the cached plan was made with (see {@link #captureSql}).
 *
 * <p>Schema apply runs {@link #installSql} for every mobile-synced table and {@link #dropSql}
 * for tables that stop being synced, in its own transaction, so a failing trigger definition
 * rolls the whole apply back.
 */
public final class CaptureTriggers {

    /** Name of the row-level trigger of earlier versions; {@link #installSql} replaces it. */
    public static final String LEGACY_TRIGGER_NAME = "posduif_capture";

    /** Names of the statement-level triggers on every captured table (insert, update, delete). */
    public static final List<String> TRIGGER_NAMES = List.of("posduif_capture_ins", "posduif_capture_upd", "posduif_capture_del");

    /**
     * Marks the trigger function of the current capture (as its comment): {@link CaptureUpgrade}
     * reinstalls capture of tables whose function carries another mark or none. Change it whenever
     * the generated SQL changes in a way existing tenants must get.
     */
    static final String REVISION = "posduif capture r5: statement level, index access only, row clocks from posduif.clocks, no per-row sorts, "
            + "push statements capture themselves";

    /**
     * Transaction setting through which a push hands capture the conflict clock of each row it
     * writes: a JSON array of {@code {"pk": {…}, "c": "<clock>"}}. Capture stores the clock in the
     * row's change-log entry; writes without one (web API, SQL) get none, and count as made at commit.
     */
    public static final String CLOCKS_SETTING = "posduif.clocks";

    /**
     * Transaction setting that tells the capture triggers a push is writing: while it is {@code push},
     * statements run directly by the transaction (trigger depth 1) are not captured, because the
     * push's own statement ({@link #pushUpsertSql}) records their entries itself. The push sets it
     * just before its upserts and clears it after them.
     */
    public static final String PUSH_CAPTURE_SETTING = "posduif.capture";

    /** Row aliases: the engine prefix cannot be a tenant column's, so {@code to_jsonb(alias)} is never ambiguous. */
    private static final String N = "posduif_n";
    private static final String O = "posduif_o";

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

    /** Statements that create or replace the trigger function and the triggers of {@code table}. */
    public static List<String> installSql(TenantId tenant, TableDef table) {
        if (!table.isSynced()) {
            throw new IllegalArgumentException("only mobile-synced tables are captured: " + table.name());
        }
        String schema = tenant.schema();
        String fn = Sql.q(schema, functionName(table.name()));
        String target = Sql.q(schema, table.name());
        String insert = captureSql(tenant, table, "SELECT " + pkJson(table, N) + " AS pk, false AS deleted, ("
                + rowJson(table, N) + ")::text AS data, '{}'::text[] AS oldb, " + buckets(table, N) + " AS newb FROM posduif_new " + N);
        String delete = captureSql(tenant, table, "SELECT " + pkJson(table, O) + " AS pk, true AS deleted, NULL::text AS data, "
                + buckets(table, O) + " AS oldb, '{}'::text[] AS newb FROM posduif_old " + O);
        String firstPk = Sql.q(table.primaryKey().get(0));
        List<String> join = new ArrayList<>();
        for (String k : table.primaryKey()) {
            join.add(O + "." + Sql.q(k) + " = " + N + "." + Sql.q(k));
        }
        String noNew = N + "." + firstPk + " IS NULL";
        String noOld = O + "." + firstPk + " IS NULL";
        String update = captureSql(tenant, table, "SELECT CASE WHEN " + noNew + " THEN " + pkJson(table, O) + " ELSE " + pkJson(table, N)
                + " END AS pk, " + noNew + " AS deleted, CASE WHEN " + noNew + " THEN NULL ELSE (" + rowJson(table, N) + ")::text END AS data, "
                + "CASE WHEN " + noOld + " THEN '{}'::text[] ELSE " + buckets(table, O) + " END AS oldb, "
                + "CASE WHEN " + noNew + " THEN '{}'::text[] ELSE " + buckets(table, N) + " END AS newb "
                + "FROM posduif_old " + O + " FULL JOIN posduif_new " + N + " ON " + String.join(" AND ", join));
        String body = "BEGIN\n"
                // a push records its own statements' entries (PushService, pushUpsertSql): skip them, but
                // only them: writes made by triggers those statements fire run deeper and are captured
                + "  IF pg_trigger_depth() = 1 AND current_setting(" + literal(PUSH_CAPTURE_SETTING) + ", true) = 'push' THEN\n"
                + "    RETURN NULL;\n"
                + "  END IF;\n"
                + "  IF TG_OP = 'INSERT' THEN\n"
                + "    " + insert + ";\n"
                + "  ELSIF TG_OP = 'UPDATE' THEN\n"
                + "    " + update + ";\n"
                + "  ELSIF TG_OP = 'DELETE' THEN\n"
                + "    " + delete + ";\n"
                + "  END IF;\n"
                + "  RETURN NULL;\n"
                + "END";
        String tag = "$posduif$";
        for (int n = 0; body.contains(tag); n++) {
            tag = "$posduif" + n + "$";
        }
        List<String> out = new ArrayList<>();
        // enable_seqscan = off: plpgsql plans each statement once per connection, on its first run,
        // and keeps the plan. Planned while the log was small, the scope-row delete was a sequential
        // scan, and stayed one on that connection as the log grew: every later write read the whole
        // scope table. Every access below is meant to be an index probe; the setting makes the
        // planner keep to that whatever the sizes were when it planned.
        out.add("CREATE OR REPLACE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql SET enable_seqscan = off AS " + tag + "\n" + body + "\n" + tag);
        out.add("COMMENT ON FUNCTION " + fn + "() IS " + literal(REVISION));
        out.add("DROP TRIGGER IF EXISTS " + Sql.q(LEGACY_TRIGGER_NAME) + " ON " + target);
        for (String name : TRIGGER_NAMES) {
            out.add("DROP TRIGGER IF EXISTS " + Sql.q(name) + " ON " + target);
        }
        out.add("CREATE TRIGGER " + Sql.q(TRIGGER_NAMES.get(0)) + " AFTER INSERT ON " + target
                + " REFERENCING NEW TABLE AS posduif_new FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()");
        out.add("CREATE TRIGGER " + Sql.q(TRIGGER_NAMES.get(1)) + " AFTER UPDATE ON " + target
                + " REFERENCING OLD TABLE AS posduif_old NEW TABLE AS posduif_new FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()");
        out.add("CREATE TRIGGER " + Sql.q(TRIGGER_NAMES.get(2)) + " AFTER DELETE ON " + target
                + " REFERENCING OLD TABLE AS posduif_old FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()");
        return out;
    }

    /**
     * The set-based capture of one statement's rows. {@code items} yields (pk jsonb, deleted
     * boolean, data text, oldb text[], newb text[]) per row, at most one per key.
     *
     * <p>Every lookup is shaped so that no plan can scan the log or the scope table, even with stale
     * statistics (a bulk load the planner has not analysed yet): previous entries by the unique
     * (tbl, pk) index with the keys as an array, their scope rows by one primary-key probe each
     * (correlated subquery) and then by ctid. The new entry of a key is inserted only after its previous
     * entry was deleted, because the insert reads the join with the delete's RETURNING rows.
     */
    private static String captureSql(TenantId tenant, TableDef table, String items) {
        return "WITH src AS MATERIALIZED (" + items + "), "
                + captureTail(tenant, table, "ARRAY(SELECT src.pk FROM src)", "",
                "clk AS MATERIALIZED (SELECT k.pk, k.c FROM jsonb_to_recordset(coalesce(nullif(current_setting("
                        + literal(CLOCKS_SETTING) + ", true), ''), '[]')::jsonb) AS k(pk jsonb, c text)), ",
                "LEFT JOIN clk k ON k.pk = src.pk", "k.c");
    }

    /**
     * The statement of a push writing rows of {@code table} with the columns {@code cols}: the
     * upsert and its change-log entries in one statement, with the same entries the capture
     * trigger would record (which skips the upsert, see {@link #PUSH_CAPTURE_SETTING}). Cheaper than
     * the trigger because the push knows what the trigger has to look up: which rows have an entry
     * (it read their clocks under its row locks, so only those are probed for compaction; a new row
     * costs no probe), each row's clock (bound as an array, not parsed from a JSON setting), and
     * each row's buckets before the write (from the row it read {@code FOR UPDATE}).
     *
     * <p>Parameters, in order: the rows as a JSON array (as {@code jsonb_populate_recordset} reads
     * them); {@code text[]} of their clocks; {@code text[]} of their buckets before the write, each
     * a JSON array of strings or NULL for none; {@code jsonb[]} of the keys that have an entry, and
     * {@code text[]} and {@code bigint[]} of those entries' txid and seq as the push read them.
     * If a writer that takes no push lock (SQL, the web API) recorded an entry for a row the push
     * saw without one, the insert breaks {@code posduif_changes_row_key}; the push is redone.
     */
    static String pushUpsertSql(TenantId tenant, TableDef table, java.util.Set<String> cols) {
        String s = tenant.schema();
        String target = Sql.q(s, table.name());
        List<String> join = new ArrayList<>();
        for (String k : table.primaryKey()) {
            join.add("x." + Sql.q(k) + " = " + N + "." + Sql.q(k));
        }
        // the rows zipped with their clocks and old buckets (ROWS FROM walks the three in step; the
        // prefix keeps those columns apart from the table's)
        String up = "posduif_x AS MATERIALIZED (SELECT r.*, e.posduif_clock, e.posduif_oldb FROM ROWS FROM (jsonb_array_elements(?::jsonb), "
                + "unnest(?::text[]), unnest(?::text[])) AS e(j, posduif_clock, posduif_oldb), "
                + "LATERAL jsonb_populate_record(NULL::" + target + ", e.j) AS r), "
                + "posduif_up AS (" + upsertFromX(target, table, cols) + " RETURNING " + target + ".*), ";
        String items = "SELECT " + pkJson(table, N) + " AS pk, false AS deleted, (" + rowJson(table, N) + ")::text AS data, "
                + "CASE WHEN x.posduif_oldb IS NULL THEN '{}'::text[] "
                + "ELSE ARRAY(SELECT jsonb_array_elements_text(x.posduif_oldb::jsonb)) END AS oldb, "
                + buckets(table, N) + " AS newb, x.posduif_clock AS clock "
                + "FROM posduif_up " + N + " JOIN posduif_x x ON " + String.join(" AND ", join);
        // the entries read are replaced only as read: one a writer without push locks put in their
        // place meanwhile stays, and the push's own entry collides with it (the push is redone)
        return "WITH " + up + "src AS MATERIALIZED (" + items + "), "
                + captureTail(tenant, table, "?::jsonb[]", " AND (c.txid, c.seq) IN (SELECT u.t::xid8, u.s FROM unnest(?::text[], ?::bigint[]) AS u(t, s))",
                "", "", "src.clock");
    }

    /**
     * {@link #pushUpsertSql} for the most common write of all, rows that are new and given whole:
     * every column of the table is set, no row was in the table or had a change-log entry when the
     * push read them (or the push took them as new unread). Then the rows as the statement writes
     * them are the rows it reads from its input (no column is left to a default; a row in place is
     * not written, and fails the push, see below), so their
     * entries are rendered from the input: no rows returned and joined back, no previous entry
     * probed or compacted, no buckets left. The entries are the trigger's, as in pushUpsertSql. If
     * a row had an entry after all (a tombstone, or a concurrent writer's), its insert breaks
     * {@code posduif_changes_row_key} and the push is redone. If a row is in the table after all
     * (the push did not read it: its op was an {@code insert}; or a writer without push locks
     * inserted it since the read), it is not written, and the number of rows the statement
     * inserted falls short of the rows given: the statement fails ({@code posduif_lost_race}, V47)
     * and the push is redone, with the row read.
     *
     * <p>Where {@link #inputIsEntryData} holds, an entry's data is the input row's own jsonb as
     * text, not the written row rendered again: PostgreSQL prints both alike, as long as the input
     * has each value in the form the column prints it in (PushService writes REAL values as
     * PostgreSQL prints a double precision).
     *
     * <p>Parameters, in order: the rows as a JSON array; {@code text[]} of their clocks; the number
     * of rows.
     */
    static String pushInsertSql(TenantId tenant, TableDef table) {
        String s = tenant.schema();
        String target = Sql.q(s, table.name());
        String r = "posduif_r";
        String data = inputIsEntryData(table) ? "e.j::text" : "(" + rowJson(table, r) + ")::text";
        return "WITH posduif_x AS MATERIALIZED (SELECT " + r + ".*, " + pkJson(table, r) + " AS posduif_pk, "
                + data + " AS posduif_data, " + buckets(table, r) + " AS posduif_newb, e.posduif_clock "
                + "FROM ROWS FROM (jsonb_array_elements(?::jsonb), unnest(?::text[])) AS e(j, posduif_clock), "
                + "LATERAL jsonb_populate_record(NULL::" + target + ", e.j) AS " + r + "), "
                + "posduif_up AS (" + insertFromX(target, table, table.columns().stream().map(ColumnDef::name).toList(), "NOTHING RETURNING 1") + "), "
                + "ins AS (INSERT INTO " + Sql.q(s, "posduif_changes") + " (txid, seq, tbl, pk, deleted, data, buckets, removed, origin, clock) "
                + "SELECT pg_current_xact_id(), nextval(" + literal(Sql.q(s, "posduif_change_seq")) + "), " + literal(table.name())
                + ", x.posduif_pk, false, x.posduif_data, x.posduif_newb, '{}'::text[], nullif(current_setting('posduif.origin', true), ''), "
                + "x.posduif_clock FROM posduif_x x RETURNING txid, seq, buckets), "
                + "posduif_sc AS (INSERT INTO " + Sql.q(s, "posduif_change_scope") + " (bucket, txid, seq) SELECT u.b, ins.txid, ins.seq FROM ins, "
                + "unnest(CASE WHEN cardinality(ins.buckets) <= 1 THEN ins.buckets "
                + "ELSE ARRAY(SELECT DISTINCT d.b FROM unnest(ins.buckets) AS d(b)) END) AS u(b)) "
                + "SELECT CASE WHEN count(*) = ? THEN count(*) ELSE " + Sql.q(s, "posduif_lost_race") + "('a row taken for new is in its table') END "
                + "FROM posduif_up";
    }

    /**
     * The push's upsert of {@code cols} from the CTE {@code posduif_x}: every other column of a row
     * in place is updated.
     */
    private static String upsertFromX(String target, TableDef table, java.util.Collection<String> cols) {
        List<String> sets = cols.stream().filter(col -> !table.primaryKey().contains(col))
                .map(col -> Sql.q(col) + " = EXCLUDED." + Sql.q(col)).toList();
        return insertFromX(target, table, cols, sets.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", sets));
    }

    /**
     * The push's insert of {@code cols} from the CTE {@code posduif_x}, in key order so that the row
     * locks of one statement are taken in key order; {@code onConflict} follows
     * {@code ON CONFLICT (key) DO}. The insert of new rows ({@link #pushInsertSql}) leaves a row in
     * place alone and does not count it: the push took it for new (it did not read it, or a writer
     * without push locks inserted it since), and is redone with it read.
     */
    private static String insertFromX(String target, TableDef table, java.util.Collection<String> cols, String onConflict) {
        String colList = String.join(", ", cols.stream().map(Sql::q).toList());
        String pkCols = String.join(", ", table.primaryKey().stream().map(Sql::q).toList());
        return "INSERT INTO " + target + " (" + colList + ") SELECT " + colList + " FROM posduif_x ORDER BY " + pkCols
                + " ON CONFLICT (" + pkCols + ") DO " + onConflict;
    }

    /**
     * Whether a whole input row, as jsonb, prints as capture renders the written row: the wire form
     * of every column type but blobs (hex in the input, base64 on the wire), timestamps and dates
     * (rendered by to_char, whose years are not Java's outside 1000..9999) is the form to_jsonb
     * prints it in, and jsonb prints keys in its own order whatever order they came in.
     */
    static boolean inputIsEntryData(TableDef table) {
        for (ColumnDef c : table.columns()) {
            switch (c.type()) {
                case BLOB, TIMESTAMP, DATE -> {
                    return false;
                }
                default -> {
                }
            }
        }
        return true;
    }

    /**
     * Compaction, entries and scope rows of the captured rows {@code src}; {@code prevKeys} is the
     * array of keys whose previous entry is looked up and replaced.
     */
    private static String captureTail(TenantId tenant, TableDef table, String prevKeys, String prevGuard, String clockCte,
                                      String clockJoin, String clockExpr) {
        String s = tenant.schema();
        String changes = Sql.q(s, "posduif_changes");
        String scope = Sql.q(s, "posduif_change_scope");
        String tbl = literal(table.name());
        return "prev AS (DELETE FROM " + changes + " c WHERE c.tbl = " + tbl + " AND c.pk = ANY (" + prevKeys + ")" + prevGuard + " "
                + "RETURNING c.pk, c.txid, c.seq, c.buckets || c.removed AS gone), "
                + "prev_scope AS (DELETE FROM " + scope + " s WHERE s.ctid = ANY (ARRAY(SELECT (SELECT s2.ctid FROM " + scope + " s2 "
                + "WHERE s2.bucket = g.b AND s2.txid = p.txid AND s2.seq = p.seq) FROM prev p, unnest(p.gone) AS g(b)))), "
                + clockCte
                + "ent AS (SELECT src.pk, src.deleted, src.data, src.newb, "
                // a row that stays in its buckets (every insert, most updates) left none: no per-row sort
                + "CASE WHEN (src.oldb || coalesce(p.gone, '{}'::text[])) <@ src.newb THEN '{}'::text[] "
                + "ELSE ARRAY(SELECT DISTINCT u.b FROM unnest(src.oldb || coalesce(p.gone, '{}'::text[])) AS u(b) WHERE u.b <> ALL (src.newb)) END AS removed, "
                + clockExpr + " AS clock FROM src LEFT JOIN prev p ON p.pk = src.pk " + clockJoin + "), "
                + "ins AS (INSERT INTO " + changes + " (txid, seq, tbl, pk, deleted, data, buckets, removed, origin, clock) "
                + "SELECT pg_current_xact_id(), nextval(" + literal(Sql.q(s, "posduif_change_seq")) + "), " + tbl + ", ent.pk, ent.deleted, ent.data, ent.newb, "
                + "ent.removed, nullif(current_setting('posduif.origin', true), ''), ent.clock FROM ent "
                + "RETURNING txid, seq, buckets, removed) "
                // (txid, seq) is new per entry, so only a bucket repeated within one entry could
                // collide; dedupe per entry, and only entries with more than one bucket
                + "INSERT INTO " + scope + " (bucket, txid, seq) SELECT u.b, ins.txid, ins.seq FROM ins, "
                + "unnest(CASE WHEN cardinality(ins.buckets) + cardinality(ins.removed) <= 1 THEN ins.buckets || ins.removed "
                + "ELSE ARRAY(SELECT DISTINCT d.b FROM unnest(ins.buckets || ins.removed) AS d(b)) END) AS u(b)";
    }

    /**
     * A statement recording tombstones for rows that are not in the table, keyed by a JSON array
     * of {@code {"pk": {…}}} (its one parameter): a push's delete of a row this server never had,
     * or had already deleted. The entry carries the delete's clock (from {@link #CLOCKS_SETTING}),
     * so an older write of the row still loses to it, and tells devices that hold the row to drop it.
     */
    static String tombstonesSql(TenantId tenant, TableDef table) {
        return captureSql(tenant, table, "SELECT t.pk, true AS deleted, NULL::text AS data, '{}'::text[] AS oldb, '{}'::text[] AS newb "
                + "FROM jsonb_to_recordset(?::jsonb) AS t(pk jsonb)");
    }

    /** Statements that remove capture from {@code table} (it stopped being synced); safe if absent. */
    public static List<String> dropSql(TenantId tenant, String table, boolean tableStillExists) {
        List<String> out = new ArrayList<>();
        if (tableStillExists) {
            out.add("DROP TRIGGER IF EXISTS " + Sql.q(LEGACY_TRIGGER_NAME) + " ON " + Sql.q(tenant.schema(), table));
            for (String name : TRIGGER_NAMES) {
                out.add("DROP TRIGGER IF EXISTS " + Sql.q(name) + " ON " + Sql.q(tenant.schema(), table));
            }
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
        return "coalesce((" + t.filter().bucketsSql(ref) + ")::text[], '{}'::text[])";
    }

    /** The row's key as capture records it in {@code posduif_changes.pk}, from the row aliased {@code ref}. */
    static String pkJson(TableDef t, String ref) {
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

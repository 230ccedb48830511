package io.posduif.functions.sync;

import io.micronaut.json.JsonMapper;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.PgText;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.realtime.RealtimeEvent;
import io.posduif.functions.realtime.RealtimePublisher;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.schema.TenantSchema;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Applies a device's outbox batch (docs/protocol.md §5) in one transaction.
 *
 * <p>Shape of a batch, chosen for throughput and for freedom from deadlocks; a push takes three
 * round trips however many tables it writes (each a {@link Pipeline} of statements), four when
 * it must look op ids up in the ledger:
 * <ol>
 *   <li>read: the transaction settings (origin, realtime marker), the principal's attributes,
 *       the device's status, advisory locks on every touched row key and on the device in key
 *       order (rows that do not exist yet are serialised too, and with them every replay of an op
 *       that writes a row; the device's pushes take turns), the device's op mark (see the
 *       glossary), on a redo the ledger rows of the batch's op ids (duplicates, reused op ids),
 *       then per
 *       table the rows ({@code FOR UPDATE}) with their change-log entries (row clocks, origin,
 *       whether the device has seen them), but for rows taken as new (an {@code insert} giving
 *       every column, see {@code Batch.takenAsNew}), and the entries of rows an op deletes
 *       (tombstones);</li>
 *   <li>decide each op in memory, in batch order;</li>
 *   <li>write: per table one delete and one tombstone statement (deletes of rows not held),
 *       captured by the trigger with their clocks handed over in
 *       {@link CaptureTriggers#CLOCKS_SETTING}, then one upsert statement per column set that
 *       records its own change-log entries ({@link CaptureTriggers#pushUpsertSql}), manual
 *       conflicts, then the ledger (one batch row, or a row per op) with the results, the device's
 *       push time and op mark, and the cursor;</li>
 *   <li>commit.</li>
 * </ol>
 * The first attempt takes op ids above the device's op mark as new without reading the ledger
 * (a device whose op ids increase resends one only when an answer was lost; ids at or below the
 * mark are looked up, in a round trip after the read), and takes a row it writes anew as one
 * without a change-log entry (few rows are written again after their delete). The ledger's keys
 * refuse an op id they already hold, the op mark's check a mark that moved since it was read,
 * the log's row key an entry the push did not read (a tombstone, or the entry of a writer without
 * push locks that committed meanwhile), the insert of new rows a row in place (it counts the rows
 * it wrote): the attempt is rolled back and the push redone with every op id looked up, every row
 * read and every key's entry probed ({@link LostRace}).
 * Every lookup by key is an index probe with the keys as an array, whatever the statistics.
 */
@Singleton
public class PushService {

    private static final boolean TRACE = Boolean.getBoolean("posduif.push.trace");
    private static final Logger LOG = LoggerFactory.getLogger(PushService.class);

    private final Db db;
    private final TenantSchemas schemas;
    private final Scopes scopes;
    private final SyncConfig config;
    private final JsonMapper json;
    private final PullService pull;
    private final RealtimePublisher realtime;
    private final io.micronaut.context.event.ApplicationEventPublisher<ChangesPushed> pushed;
    private final io.posduif.functions.auth.DeviceStatus deviceStatus;
    private final CaptureUpgrade captureUpgrade;
    /**
     * Tenant schemas (tenant and checksum) whose capture triggers this instance has seen at the
     * current {@link CaptureTriggers#REVISION}. A push's upserts capture themselves and count on the
     * trigger to stand aside; an older trigger would not, so a tenant whose upgrade at start-up
     * did not happen (migrations off, or it failed) is upgraded before its first push here.
     */
    private final Set<String> captureChecked = java.util.concurrent.ConcurrentHashMap.newKeySet();

    PushService(Db db, TenantSchemas schemas, Scopes scopes, SyncConfig config, JsonMapper json,
                PullService pull, RealtimePublisher realtime,
                io.micronaut.context.event.ApplicationEventPublisher<ChangesPushed> pushed,
                io.posduif.functions.auth.DeviceStatus deviceStatus, CaptureUpgrade captureUpgrade) {
        this.captureUpgrade = captureUpgrade;
        this.pushed = pushed;
        this.deviceStatus = deviceStatus;
        this.db = db;
        this.schemas = schemas;
        this.scopes = scopes;
        this.config = config;
        this.json = json;
        this.pull = pull;
        this.realtime = realtime;
    }

    /** The response body, as JSON-ready maps. */
    public Map<String, Object> push(Caller caller, byte[] body) {
        PushRequest request;
        try {
            Object parsed;
            try {
                parsed = body == null || body.length == 0 ? null : json.readValue(body, Object.class);
            } catch (IOException | RuntimeException e) {
                throw new ApiException(ErrorCode.MALFORMED_REQUEST, "body is not valid JSON");
            }
            request = PushRequest.parse(parsed, config.maxPushOps());
        } catch (ApiException badBody) {
            // the device's status is checked inside the push's transaction (Batch#read); a request
            // that never gets there still answers DEVICE_REVOKED first, as every device endpoint does
            deviceStatus.requireActive(caller);
            throw badBody;
        }
        TenantSchema schema = schemas.current(caller.tenant());
        String checked = caller.tenant().value() + '\u0000' + schema.checksum();
        if (!captureChecked.contains(checked)) {
            captureUpgrade.upgrade(caller.tenant());
            captureChecked.add(checked);
        }
        long start = System.nanoTime();
        Batch batch;
        String cursor;
        for (int attempt = 1; ; attempt++) {
            // the first attempt assumes every op is new (a device resends an op only when an answer
            // was lost) and every row it writes anew never had an entry; the keys of the ledger and
            // the change log tell whether that held (see Batch#redo)
            boolean redo = attempt > 1;
            try {
                batch = new Batch(caller, schema, request, false, redo);
                try {
                    cursor = apply(batch);
                } catch (ConstraintViolated e) {
                    // a row broke a constraint of its table: that transaction is gone whole; redo the batch
                    // with savepoints, which rejects only the offending rows' ops
                    // (as a redo: a row it rejects writes no entry that would reveal a tombstone)
                    batch = new Batch(caller, schema, request, true, true);
                    cursor = apply(batch);
                }
                break;
            } catch (LostRace e) {
                // another delivery of one of these op ids committed first, or a writer that moves the
                // op mark without the device's lock did (the redo reads the ledger and answers duplicate
                // or OP_ID_REUSED), or a writer that takes no push lock recorded an entry for a row this
                // push saw without one (the redo reads it)
                if (attempt >= MAX_RACES) {
                    throw new IllegalStateException("push lost " + attempt + " races in a row");
                }
            }
        }
        if (TRACE) {
            System.out.printf("push trace: transaction incl. commit %.1f ms%n", (System.nanoTime() - start) / 1e6);
        }
        if (!batch.touchedBuckets.isEmpty()) {
            // after commit; best effort by contract (never throws)
            realtime.publish(caller.tenant(), RealtimeEvent.syncRequired(batch.touchedBuckets, cursor));
        }
        if (!batch.upserted.isEmpty()) {
            try {
                pushed.publishEvent(new ChangesPushed(caller, batch.upserted));
            } catch (RuntimeException e) {
                // the push is committed; a follow-up's failure must not turn it into an error the device retries
                LOG.warn("after-push listener failed: {}", e.toString());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("results", batch.results());
        out.put("cursor", cursor);
        return out;
    }

    /** The answer as JSON bytes (written directly: the generic mapper was a large part of a push's JVM time). */
    byte[] render(Map<String, Object> answer) {
        return toJson(answer).getBytes(StandardCharsets.UTF_8);
    }

    /** One transaction for the whole request: the batch, the ledger, the device's push time and the cursor. */
    private String apply(Batch batch) {
        return db.inTransaction(batch::run);
    }

    /**
     * How often a push is redone because a concurrent writer committed first (see {@link LostRace});
     * each redo sees what that writer committed, so a second race needs yet another one.
     */
    private static final int MAX_RACES = 5;

    /** A change-log entry as a push reads it; see {@code Batch.readEntry}. */
    private static final String ENTRY_COLUMNS = "c.clock, c.origin, c.changed_at, c.deleted, "
            + "(c.txid, c.seq) > (coalesce(d.cursor_txid, '0'::xid8), coalesce(d.cursor_seq, 0)), c.txid::text, c.seq ";

    /** A row of the batch broke a constraint of its table; the batch is redone with savepoints. */
    private static final class ConstraintViolated extends RuntimeException {
        ConstraintViolated() {
            super(null, null, false, false);
        }
    }

    /**
     * A concurrent transaction committed first what this push took for absent, or the push took a
     * row for new without reading it and was wrong: a unique key of the ledger (a row per op, a
     * batch row) refused one of the batch's op ids, the device's op mark moved since the push read
     * it (its check in the finish statement), the change log's row key refused an entry that a
     * writer taking no push lock (SQL, the web API) recorded for a row this push read without one
     * (or a tombstone of a row it did not read), the insert of new rows found a row in place (its
     * count fell short), or a row taken as new could not take that insert. The transaction is gone
     * whole; the push is redone and reads what is there.
     */
    private static final class LostRace extends RuntimeException {
        LostRace() {
            super(null, null, false, false);
        }
    }

    /** The SQLSTATE of {@code posduif_lost_race} (V47): a push statement found an assumption of the push broken. */
    static final String LOST_RACE_STATE = "PD001";

    static boolean isLostRace(SQLException e) {
        if (LOST_RACE_STATE.equals(e.getSQLState())) {
            return true;
        }
        if (!"23505".equals(e.getSQLState()) || !(e instanceof org.postgresql.util.PSQLException p) || p.getServerErrorMessage() == null) {
            return false;
        }
        String table = p.getServerErrorMessage().getTable();
        return "posduif_op_ledger".equals(table) || "posduif_op_batches".equals(table)
                || ("posduif_changes".equals(table) && "posduif_changes_row_key".equals(p.getServerErrorMessage().getConstraint()));
    }

    /** One row touched by the batch: its state as it evolves op by op. */
    private static final class RowState {
        final TableDef table;
        final String pkJson;
        final Map<String, Object> pk;
        Map<String, Object> row;
        /** The buckets of {@link #row} as the batch left it (set with it by decide). */
        Set<String> buckets;
        Map<String, Object> startRow;
        boolean existedAtStart;
        boolean tombstone;
        boolean changedUnseen;
        /** The row has a change-log entry (read under the row's lock): its write replaces that entry. */
        boolean hasEntry;
        /** The position (txid, seq) of the entry read, if {@link #hasEntry}. */
        String entryTxid;
        long entrySeq;
        /**
         * Whether the row's entry was looked for (the row is in its table, an op deletes it, or the
         * push is a redo). If not, the row is taken to have none; see {@link Batch#redo}.
         */
        boolean entryRead;
        /**
         * The row was not read: its first op is an {@code insert} that gives every column, and the
         * push takes the row as absent ({@link Batch#takenAsNew}).
         */
        boolean takenAsNew;
        Clock base = Clock.ZERO;
        Map<String, Clock> fields = new TreeMap<>();
        boolean dirty;
        /** Ops of this batch applied to the row: all rejected together if the row's write violates a constraint. */
        final List<PushRequest.Op> applied = new ArrayList<>();

        RowState(TableDef table, String pkJson, Map<String, Object> pk) {
            this.table = table;
            this.pkJson = pkJson;
            this.pk = pk;
        }

        private Set<String> startBuckets;

        /** The buckets the row was in before the batch (none if it did not exist). */
        Set<String> startBuckets() {
            if (startBuckets == null) {
                startBuckets = startRow == null ? Set.of() : Scopes.bucketsOfRow(table, startRow);
            }
            return startBuckets;
        }

        /** The row becomes a tombstone with {@code clock}: a later older write loses to it. */
        void delete(Clock clock) {
            row = null;
            base = clock;
            fields = new TreeMap<>();
            tombstone = true;
            dirty = true;
        }

        Clock rowClock() {
            Clock c = base;
            for (Clock f : fields.values()) {
                c = Clock.max(c, f);
            }
            return c;
        }

        Clock fieldClock(String f) {
            return Clock.max(base, fields.get(f));
        }
    }

    /** An op that passed the per-op static checks. */
    private record Valid(PushRequest.Op op, TableDef table, Map<String, Object> pk, String pkJson,
                         Map<String, Object> data, Set<String> changed, Clock clock) {
    }

    private final class Batch {
        final Caller caller;
        final TenantSchema schema;
        final PushRequest request;
        final String s;
        final Map<String, Object>[] results;
        final Set<String> touchedBuckets = new LinkedHashSet<>();
        final Map<String, List<Map<String, Object>>> upserted = new HashMap<>();
        final Map<String, RowState> rows = new LinkedHashMap<>();
        final List<Object[]> conflicts = new ArrayList<>();
        /** Ledger hashes of the batch's ops, and the ops already in the ledger (replays, set by {@link #read}). */
        final Map<String, String> hashes = new HashMap<>();
        final Set<String> replayed = new HashSet<>();
        /**
         * The device's op mark as the push read it, after its locks (null: none yet): the highest op id it
         * has recorded in the ledger. Op ids above it are new; the push commits only if the mark
         * is still this value when it records its own ops (see {@link #addFinish}).
         */
        String opMark;
        Set<String> principalBuckets;

        /** The server's time for the batch: client timestamps beyond it (and the skew tolerance) are clamped to it. */
        final Instant now = Instant.now();

        /** Write each table's rows under a savepoint, row by row after a violation (the retry after one). */
        final boolean savepoints;

        /**
         * A redo after a {@link LostRace}. The first attempt takes op ids above the device's op
         * mark as new (it looks up only those at or below it) and every row missing from its
         * table as one without a change-log entry: it probes the log only for rows in the table
         * and for deletes. The ledger's keys and the mark's check turn a replay it missed into a
         * lost race, the log's row key a row that had an entry after all (a tombstone, or an
         * entry a writer without push locks recorded meanwhile). A redo looks up every op id of
         * the batch and probes the log for every key.
         */
        final boolean redo;

        @SuppressWarnings("unchecked")
        Batch(Caller caller, TenantSchema schema, PushRequest request, boolean savepoints, boolean redo) {
            this.savepoints = savepoints;
            this.redo = redo;
            this.caller = caller;
            this.schema = schema;
            this.request = request;
            this.s = caller.tenant().schema();
            this.results = new Map[request.ops().size()];
        }

        List<Map<String, Object>> results() {
            return List.of(results);
        }

        /**
         * The batch in two round trips, the state it decides on, then its writes and ledger (three
         * when op ids must be looked up); returns the cursor after it.
         */
        String run(Connection c) throws SQLException {
            long t0 = System.nanoTime();
            List<Valid> valid = new ArrayList<>();
            for (PushRequest.Op op : request.ops()) {
                hashes.put(op.opId(), hash(op.raw()));
                Valid v = validate(op);
                if (v != null) {
                    valid.add(v);
                }
            }
            long t1 = System.nanoTime();
            read(c, valid);
            long t2 = System.nanoTime();
            for (Valid v : valid) {
                if (!replayed.contains(v.op().opId())) {
                    decide(v);
                }
            }
            for (Valid v : valid) {
                // an op rejected on a row whose entry was not looked for writes nothing that could
                // collide with a tombstone, which would have made it a conflict: decided again, with
                // the entry read
                if (!rows.get(key(v.table().name(), v.pkJson())).entryRead && "rejected".equals(results[v.op().index()].get("status"))) {
                    throw new LostRace();
                }
            }
            String cursor = write(c);
            if (TRACE) {
                System.out.printf("push trace: validate %.1f ms, read %.1f, decide+write+ledger %.1f%n",
                        (t1 - t0) / 1e6, (t2 - t1) / 1e6, (System.nanoTime() - t2) / 1e6);
            }
            return cursor;
        }

        // ---- 1. what the decisions need, in one round trip ----

        /**
         * One round trip ({@link Pipeline}), in this order:
         * <ol>
         *   <li>the transaction settings (the device as origin of the change-log entries, the
         *       transaction as one that functions announces itself after commit, see
         *       {@code RealtimePublisher.markPublished}), the user's attributes for its scope, the
         *       device's status (a revoked device writes nothing, checked inside the transaction
         *       that would write), and a transaction advisory lock per row key the batch writes,
         *       taken in key order so two batches never wait for each other in a cycle. Row-key
         *       locks serialise writers of one row, also of rows that do not exist yet, and with
         *       them every replay of an op that writes a row;</li>
         *   <li>the device's op mark;</li>
         *   <li>on a redo, the batch's op ids in the ledger, read after those locks: a replay sees
         *       the first delivery's ledger rows. Ops that write no row take no row lock, but the
         *       device's lock orders its pushes, and the ledger's keys and the op mark's check
         *       catch a delivery from a writer that takes none ({@link LostRace});</li>
         *   <li>per table: the rows ({@code FOR UPDATE}) with their change-log entries (row clocks,
         *       origin, whether the device has seen them, against its last pull cursor, position),
         *       then the entries of the keys ops delete (every key on a redo).</li>
         * </ol>
         * If op ids are at or below the mark (a replay, or ids that do not increase), the ledger
         * is read for them next, in a round trip of its own. Fills {@link #replayed} with the op
         * ids already in the ledger and sets their results.
         */
        private void read(Connection c, List<Valid> valid) throws SQLException {
            Map<String, Map<String, Valid>> byTable = new TreeMap<>();
            for (Valid v : valid) {
                byTable.computeIfAbsent(v.table().name(), k -> new TreeMap<>()).putIfAbsent(v.pkJson(), v);
            }
            List<Long> keys = new ArrayList<>();
            for (Map<String, Valid> byKey : byTable.values()) {
                for (Valid v : byKey.values()) {
                    rows.put(key(v.table().name(), v.pkJson()), new RowState(v.table(), v.pkJson(), v.pk()));
                    keys.add(lockKey(v.table().name(), v.pkJson()));
                }
            }
            // the device's own key: its pushes take turns, so each reads the op mark the one before
            // it left (table names are identifiers: this one cannot be a table's)
            keys.add(lockKey("posduif device", caller.deviceId()));
            keys.sort(null);
            Map<String, PushRequest.Op> byId = new HashMap<>();
            for (PushRequest.Op op : request.ops()) {
                byId.put(op.opId(), op);
            }
            Pipeline p = new Pipeline();
            String[] attributes = new String[1];
            p.add("SELECT set_config('posduif.origin', ?, true), set_config('posduif.realtime_origin', 'functions', true), "
                    // enable_seqscan off for the transaction: every statement of a push is a probe by key,
                    // but the driver's prepared statements get generic plans, made once per connection and
                    // kept. A variant of the clock lookup tried during tuning got one, made while the log was
                    // small, that hash-joined a sequential scan of it; as the log grew a push took 17 s
                    // (170 million rows read in one benchmark run). Capture has the same guard.
                    + "set_config('enable_seqscan', 'off', true), "
                    + Scopes.attributesSubquery(s) + ", "
                    + "d.device_id IS NOT NULL, d.revoked_at IS NOT NULL, d.user_id, "
                    + "(SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT k FROM unnest(?::bigint[]) AS u(k) ORDER BY k) s) "
                    + "FROM (SELECT 1) AS one LEFT JOIN " + Sql.q(s, "posduif_devices") + " d ON d.device_id = ?", (ps, at) -> {
                ps.setString(at++, caller.deviceId());
                ps.setObject(at++, caller.userId());
                ps.setArray(at++, c.createArrayOf("bigint", keys.toArray()));
                ps.setString(at++, caller.deviceId());
                return at;
            }, rs -> {
                rs.next();
                io.posduif.functions.auth.DeviceStatus.require(caller, rs.getBoolean(5), rs.getBoolean(6), rs.getObject(7));
                attributes[0] = rs.getString(4);
            });
            // the op mark, by a statement of its own: its snapshot is taken with the locks held, so it
            // sees what an earlier push of the device committed while this one waited for them
            p.add("SELECT sd.op_mark FROM (SELECT 1) AS one LEFT JOIN " + Sql.q(s, "posduif_sync_devices") + " sd ON sd.device_id = ?",
                    (ps, at) -> {
                        ps.setString(at++, caller.deviceId());
                        return at;
                    }, rs -> {
                        rs.next();
                        opMark = rs.getString(1);
                    });
            if (redo) {
                addLedgerLookup(c, p, byId.keySet().toArray(), byId);
            }
            Map<String, Set<String>> deleted = new HashMap<>();
            for (Valid v : valid) {
                if (v.op().kind() == PushRequest.Kind.DELETE) {
                    deleted.computeIfAbsent(v.table().name(), k -> new LinkedHashSet<>()).add(v.pkJson());
                }
            }
            for (Map.Entry<String, Map<String, Valid>> e : byTable.entrySet()) {
                TableDef t = e.getValue().values().iterator().next().table();
                Set<String> deletedHere = deleted.getOrDefault(t.name(), Set.of());
                List<String> pkJsons = new ArrayList<>(e.getValue().size());
                for (Valid first : e.getValue().values()) {
                    if (takenAsNew(first, deletedHere)) {
                        rows.get(key(t.name(), first.pkJson())).takenAsNew = true;
                    } else {
                        pkJsons.add(first.pkJson());
                    }
                }
                if (pkJsons.isEmpty()) {
                    // every row of the table taken as new: nothing to read, and no delete to probe
                    continue;
                }
                String pkCols = String.join(", ", t.primaryKey().stream().map(k -> "t." + Sql.q(k)).toList());
                String cols = String.join(", ", t.columns().stream().map(col -> "t." + Sql.q(col.name())).toList());
                List<Map<String, Object>> pks = new ArrayList<>();
                for (String pj : pkJsons) {
                    pks.add(toDb(t, rows.get(key(t.name(), pj)).pk));
                }
                String pksJson = toJson(pks);
                // the rows (FOR UPDATE) with their change-log entries: their conflict clock (the last
                // push's, see CaptureTriggers.CLOCKS_SETTING), origin, commit time, whether the entry
                // is newer than the device's pull cursor and not its own (server-wins and manual treat
                // that as a change the device has not seen), and its position. Under READ COMMITTED a
                // locking read returns a row that another writer changed while the lock was awaited as
                // that writer left it, but the joined entry as the statement first read it. An upsert
                // replaces an entry only at the position read (CaptureTriggers.pushUpsertSql), so a
                // newer one makes it collide and the push is redone; a delete is captured by the
                // trigger, which has no such check, but its key's entry is read again by the probe
                // below, a statement of its own and so a snapshot taken with the row locks held.
                p.add("SELECT " + cols + ", " + ENTRY_COLUMNS
                        + "FROM " + Sql.q(s, t.name()) + " t "
                        + "LEFT JOIN " + Sql.q(s, "posduif_changes") + " c ON c.tbl = ? AND c.pk = " + CaptureTriggers.pkJson(t, "t") + " "
                        + "LEFT JOIN " + Sql.q(s, "posduif_sync_devices") + " d ON d.device_id = ? "
                        + "WHERE " + keyPredicate(t, "t.") + " ORDER BY " + pkCols + " FOR UPDATE OF t",
                        (ps, at) -> {
                            ps.setString(at++, t.name());
                            ps.setString(at++, caller.deviceId());
                            return bindKeys(ps, at, t, pksJson);
                        }, rs -> readRows(t, rs));
                // a row that is not in the table is probed in the log only when an op deletes it (a
                // tombstone decides whether that delete is newer) or on a redo: a row written anew
                // usually never had an entry. If it had (a tombstone, or an entry a writer without
                // push locks recorded meanwhile), the push's own entry collides with it, or an op on
                // it was rejected (see run), and the push is redone with every key probed (LostRace).
                List<String> probed = redo ? pkJsons : new ArrayList<>(deleted.getOrDefault(t.name(), Set.of()));
                for (String pj : probed) {
                    rows.get(key(t.name(), pj)).entryRead = true;
                }
                if (probed.isEmpty()) {
                    continue;
                }
                // the entries of rows that may not be in the table (tombstones); the keys are bound
                // (and parsed) once, and the = ANY keeps the lookup an index probe per key
                p.add("WITH x AS MATERIALIZED (SELECT u.pk, u.i FROM unnest(?::jsonb[]) WITH ORDINALITY AS u(pk, i)) "
                        + "SELECT x.i, " + ENTRY_COLUMNS + "FROM x JOIN " + Sql.q(s, "posduif_changes") + " c ON c.tbl = ? AND c.pk = x.pk AND c.pk = ANY (ARRAY(SELECT x.pk FROM x)) "
                        + "LEFT JOIN " + Sql.q(s, "posduif_sync_devices") + " d ON d.device_id = ?", (ps, at) -> {
                    ps.setArray(at++, c.createArrayOf("jsonb", probed.toArray()));
                    ps.setString(at++, t.name());
                    ps.setString(at++, caller.deviceId());
                    return at;
                }, rs -> {
                    while (rs.next()) {
                        readEntry(rows.get(key(t.name(), probed.get(rs.getInt(1) - 1))), rs, 2);
                    }
                });
            }
            p.run(c);
            List<String> belowMark = new ArrayList<>();
            for (String id : byId.keySet()) {
                if (opMark != null && OpIds.compare(id, opMark) <= 0) {
                    belowMark.add(id);
                }
            }
            if (!redo && !belowMark.isEmpty()) {
                // a replay, or op ids that do not increase: looked up after the row locks, in a
                // round trip of its own (a device whose op ids increase never pays for it)
                Pipeline lookup = new Pipeline();
                addLedgerLookup(c, lookup, belowMark.toArray(), byId);
                lookup.run(c);
            }
            principalBuckets = new HashSet<>(scopes.bucketsOfPrincipal(schema, scopes.principalParams(caller, attributes[0])));
        }

        /**
         * Whether the push takes a row as absent without reading it: the first op of the batch on
         * it is an {@code insert} that gives every column of the table, no op of the batch deletes
         * it, and the push is not a redo. The device made the row, so it is almost always new; if
         * it is not, the write finds it ({@link CaptureTriggers#pushInsertSql}) or its entry, or its
         * op is rejected unread (see {@link #run}), and the push is redone with every row read. Only
         * whole rows, of tables without server-owned columns (which a device never gives): the
         * insert that finds rows in place sets every column.
         */
        private boolean takenAsNew(Valid first, Set<String> deletedKeys) {
            if (redo || first.op().kind() != PushRequest.Kind.INSERT || deletedKeys.contains(first.pkJson())) {
                return false;
            }
            TableDef t = first.table();
            for (ColumnDef col : t.columns()) {
                if (col.serverOwned()) {
                    return false;
                }
            }
            int given = first.data().size();
            for (String k : t.primaryKey()) {
                if (!first.data().containsKey(k)) {
                    given++;
                }
            }
            // a REAL the insert of new rows cannot render as PostgreSQL prints it takes the upsert path
            return given == t.columns().size() && (!CaptureTriggers.inputIsEntryData(t) || pgRealsHold(t, first.data()));
        }

        /**
         * The ledger, for {@code opIds}: those at or below the device's op mark, or every one on a
         * redo. Both tables; a batch row is found as the first whose last op id is at or above the
         * op's (batch rows never overlap).
         */
        private void addLedgerLookup(Connection c, Pipeline p, Object[] opIds, Map<String, PushRequest.Op> byId) {
            p.add("WITH q AS MATERIALIZED (SELECT u.o COLLATE \"C\" AS o FROM unnest(?::text[]) AS u(o)) "
                    + "SELECT l.op_id, l.payload_hash, l.status, l.code, l.message FROM " + Sql.q(s, "posduif_op_ledger") + " l "
                    + "WHERE l.device_id = ? AND l.op_id = ANY (ARRAY(SELECT q.o FROM q)) "
                    + "UNION ALL "
                    + "SELECT u.o::text, encode(substring(b.hashes FROM (u.i::int - 1) * 16 + 1 FOR 16), 'hex'), 'applied', NULL, NULL "
                    + "FROM " + Sql.q(s, "posduif_op_batches") + " b, unnest(b.op_ids) WITH ORDINALITY AS u(o, i) "
                    + "WHERE b.device_id = ? AND b.last_op = ANY (ARRAY(SELECT (SELECT b2.last_op FROM " + Sql.q(s, "posduif_op_batches") + " b2 "
                    + "WHERE b2.device_id = ? AND b2.last_op >= q.o ORDER BY b2.last_op LIMIT 1) FROM q)) "
                    + "AND u.o::text COLLATE \"C\" = ANY (ARRAY(SELECT q.o FROM q))", (ps, at) -> {
                ps.setArray(at++, c.createArrayOf("text", opIds));
                ps.setString(at++, caller.deviceId());
                ps.setString(at++, caller.deviceId());
                ps.setString(at++, caller.deviceId());
                return at;
            }, rs -> readLedger(rs, byId));
        }

        /**
         * Ops already in the ledger: duplicates answer what the first delivery decided, another
         * payload under the same op id is {@code OP_ID_REUSED}. Neither applies anything or is
         * recorded again.
         */
        private void readLedger(ResultSet rs, Map<String, PushRequest.Op> byId) throws SQLException {
            while (rs.next()) {
                PushRequest.Op op = byId.get(rs.getString(1));
                replayed.add(op.opId());
                if (!OpIds.sameHash(rs.getString(2), hashes.get(op.opId()))) {
                    reject(op, ErrorCode.OP_ID_REUSED, "op_id was used before with a different payload");
                } else {
                    Map<String, Object> r = result(op, "duplicate");
                    // what the first delivery decided: a device whose answer was lost needs it to converge
                    r.put("original_status", rs.getString(3));
                    if (rs.getString(4) != null) {
                        r.put("code", rs.getString(4));
                        r.put("message", "already processed: " + rs.getString(5));
                    }
                }
            }
        }

        // ---- 2. static per-op checks ----

        private Valid validate(PushRequest.Op op) {
            if (PgText.unstorable(op.pk()) || PgText.unstorable(op.data())) {
                return reject(op, ErrorCode.INVALID_VALUE, "values " + PgText.UNSTORABLE_REFUSED);
            }
            TableDef t = schema.table(op.table()).orElse(null);
            if (t == null) {
                return reject(op, ErrorCode.UNKNOWN_TABLE, "table " + op.table() + " is not declared");
            }
            if (!t.isSynced()) {
                return reject(op, ErrorCode.TABLE_NOT_SYNCED, "table " + t.name() + " is " + t.sync().wireName());
            }
            if (!t.deviceWritable()) {
                return reject(op, ErrorCode.TABLE_READ_ONLY, "devices may not write " + t.name());
            }
            if (op.pk().size() != t.primaryKey().size() || !op.pk().keySet().containsAll(t.primaryKey())) {
                return reject(op, ErrorCode.PK_MISMATCH, "pk must have exactly " + t.primaryKey());
            }
            Map<String, Object> pk = new LinkedHashMap<>();
            for (String k : t.primaryKey()) {
                ColumnDef col = t.column(k).orElseThrow();
                Object v = op.pk().get(k);
                if (v == null) {
                    return reject(op, ErrorCode.PK_MISMATCH, "pk." + k + " must not be null");
                }
                try {
                    pk.put(k, canonical(col, v));
                } catch (IllegalArgumentException e) {
                    return reject(op, ErrorCode.INVALID_VALUE, "pk." + k + ": " + e.getMessage());
                }
            }
            Map<String, Object> data = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : op.data().entrySet()) {
                ColumnDef col = t.column(e.getKey()).orElse(null);
                if (col == null) {
                    return reject(op, ErrorCode.UNKNOWN_COLUMN, "column " + e.getKey() + " is not declared in " + t.name());
                }
                Object v;
                try {
                    v = canonical(col, e.getValue());
                } catch (IllegalArgumentException ex) {
                    return reject(op, ErrorCode.INVALID_VALUE, col.name() + ": " + ex.getMessage());
                }
                if (v == null && !col.nullable()) {
                    return reject(op, ErrorCode.INVALID_VALUE, col.name() + " must not be null");
                }
                if (col.primaryKey() && !Objects.equals(v, pk.get(col.name()))) {
                    return reject(op, ErrorCode.PK_MISMATCH, "data." + col.name() + " differs from pk");
                }
                data.put(col.name(), v);
            }
            Set<String> changed = new LinkedHashSet<>();
            if (op.changedFields() != null) {
                for (String f : op.changedFields()) {
                    ColumnDef col = t.column(f).orElse(null);
                    if (col == null) {
                        return reject(op, ErrorCode.UNKNOWN_COLUMN, "changed field " + f + " is not declared in " + t.name());
                    }
                    if (col.serverOwned()) {
                        return reject(op, ErrorCode.SERVER_OWNED_COLUMN, f + " is owned by the server");
                    }
                    if (!col.primaryKey() && data.containsKey(f)) {
                        changed.add(f);
                    }
                }
            } else {
                for (String f : data.keySet()) {
                    if (!t.primaryKey().contains(f)) {
                        changed.add(f);
                    }
                }
            }
            Instant ts = op.clientTs().isAfter(now.plus(config.clockSkewTolerance())) ? now : op.clientTs();
            String pkJson = toJson(pk);
            return new Valid(op, t, pk, pkJson, data, changed, new Clock(ts, caller.deviceId(), op.opId()));
        }

        // ---- 3. current state ----

        /** The rows in the table, each with its change-log entry if it has one (see {@link #readEntry}). */
        private void readRows(TableDef t, ResultSet rs) throws SQLException {
            int entryAt = t.columns().size() + 1;
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                int i = 1;
                for (ColumnDef col : t.columns()) {
                    row.put(col.name(), col.type().toWire(rs.getObject(i++)));
                }
                Map<String, Object> pk = new LinkedHashMap<>();
                for (String k : t.primaryKey()) {
                    pk.put(k, row.get(k));
                }
                RowState st = rows.get(key(t.name(), toJson(pk)));
                if (st != null) {
                    st.row = row;
                    st.startRow = row;
                    st.existedAtStart = true;
                    st.entryRead = true;
                    if (rs.getTimestamp(entryAt + 2) != null) {
                        readEntry(st, rs, entryAt);
                    }
                }
            }
        }

        /**
         * A row's change-log entry, from the columns at {@code at} ({@link #ENTRY_COLUMNS}): clock,
         * origin, commit time, whether it is a tombstone, whether it is newer than the device's
         * cursor, its position.
         */
        private void readEntry(RowState st, ResultSet rs, int at) throws SQLException {
            String clock = rs.getString(at);
            String origin = rs.getString(at + 1);
            Instant changedAt = rs.getTimestamp(at + 2).toInstant();
            if (clock != null) {
                parseClock(clock, st);
            } else {
                st.base = new Clock(changedAt, origin == null ? "" : origin, "");
                st.fields = new TreeMap<>();
            }
            if (origin == null) {
                // the last write came from the web API or SQL: it is as new as its commit
                st.base = Clock.max(st.base, new Clock(changedAt, "", ""));
            }
            st.hasEntry = true;
            st.tombstone = st.row == null && rs.getBoolean(at + 3);
            st.changedUnseen = rs.getBoolean(at + 4) && !caller.deviceId().equals(origin);
            st.entryTxid = rs.getString(at + 5);
            st.entrySeq = rs.getLong(at + 6);
        }

        // ---- 4. decisions ----

        private void decide(Valid v) {
            RowState st = rows.get(key(v.table().name(), v.pkJson()));
            TableDef t = v.table();
            PushRequest.Op op = v.op();
            if (st.row != null && !Scopes.visible(t, st.row, principalBuckets)) {
                reject(op, ErrorCode.OUT_OF_SCOPE, "the row is outside this device's scope");
                return;
            }
            ConflictPolicy policy = t.conflict();
            if (op.kind() == PushRequest.Kind.DELETE) {
                if (st.row == null) {
                    if (v.clock().newerThan(st.rowClock()) || !st.tombstone) {
                        st.delete(v.clock());
                    }
                    st.applied.add(op);
                    result(op, "applied");
                    return;
                }
                boolean wins = switch (policy) {
                    case LWW, FIELD_LWW -> v.clock().newerThan(st.rowClock());
                    case SERVER_WINS, MANUAL -> !st.changedUnseen;
                };
                if (!wins) {
                    conflict(v, st, null);
                    return;
                }
                st.delete(v.clock());
                st.applied.add(op);
                result(op, "applied");
                return;
            }
            // upsert: server-owned columns may be echoed back unchanged, never changed
            Map<String, Object> data = v.data();
            for (ColumnDef col : t.columns()) {
                if (col.serverOwned() && data.containsKey(col.name())) {
                    Object current = st.row == null ? null : st.row.get(col.name());
                    if (!Objects.equals(current, data.get(col.name()))) {
                        reject(op, ErrorCode.SERVER_OWNED_COLUMN, col.name() + " is owned by the server");
                        return;
                    }
                    if (data == v.data()) {
                        data = new LinkedHashMap<>(data);
                    }
                    data.remove(col.name());
                }
            }
            Map<String, Object> merged;
            Set<String> won = new LinkedHashSet<>();
            if (st.row == null) {
                if (st.tombstone && !v.clock().newerThan(st.rowClock())) {
                    conflict(v, st, data);
                    return;
                }
                merged = new LinkedHashMap<>(v.pk());
                merged.putAll(data);
                for (ColumnDef col : t.columns()) {
                    if (!col.nullable() && col.defaultValue() == null && merged.get(col.name()) == null) {
                        reject(op, ErrorCode.INVALID_VALUE, col.name() + " is required for a new row");
                        return;
                    }
                }
                won.addAll(v.changed());
            } else {
                merged = new LinkedHashMap<>(st.row);
                switch (policy) {
                    case LWW -> {
                        if (!v.clock().newerThan(st.rowClock())) {
                            conflict(v, st, data);
                            return;
                        }
                        merged.putAll(data);
                    }
                    case FIELD_LWW -> {
                        for (String f : v.changed()) {
                            if (v.clock().newerThan(st.fieldClock(f))) {
                                won.add(f);
                                merged.put(f, data.get(f));
                            }
                        }
                        if (won.isEmpty() && !v.changed().isEmpty()) {
                            conflict(v, st, data);
                            return;
                        }
                    }
                    case SERVER_WINS, MANUAL -> {
                        if (st.changedUnseen) {
                            conflict(v, st, data);
                            return;
                        }
                        merged.putAll(data);
                    }
                }
            }
            Set<String> buckets = Scopes.bucketsOfRow(t, merged);
            if (!Scopes.visible(buckets, principalBuckets)) {
                reject(op, ErrorCode.OUT_OF_SCOPE, "the row would leave this device's scope");
                return;
            }
            if (policy == ConflictPolicy.FIELD_LWW) {
                if (st.row == null) {
                    st.base = v.clock();
                    st.fields = new TreeMap<>();
                }
                for (String f : won) {
                    st.fields.put(f, v.clock());
                }
            } else {
                st.base = v.clock();
                st.fields = new TreeMap<>();
            }
            st.row = merged;
            st.buckets = buckets;
            st.tombstone = false;
            st.dirty = true;
            st.applied.add(op);
            result(op, "applied");
        }

        private void conflict(Valid v, RowState st, Map<String, Object> clientRow) {
            Map<String, Object> r = result(v.op(), "conflict");
            r.put("server_row", st.row);
            if (v.table().conflict() == ConflictPolicy.MANUAL) {
                UUID id = UUID.randomUUID();
                r.put("conflict_id", id.toString());
                conflicts.add(new Object[]{id, v, st.row == null ? null : new LinkedHashMap<>(st.row), clientRow});
            }
        }

        // ---- 5. writes ----

        /** One table statement of the batch; {@code bind} binds its parameters for any subset of its rows. */
        private record TableWrite(TableDef table, String sql, List<RowState> states, RowsBinder bind) {
        }

        @FunctionalInterface
        private interface RowsBinder {
            int bind(Connection c, PreparedStatement ps, int at, List<RowState> states) throws SQLException;
        }

        /**
         * The batch's writes, its manual conflicts and (finish) its ledger rows, in one round trip
         * on the common path. Per table one delete, one tombstone (deletes of rows not held) and one
         * upsert statement per column set. Deletes and tombstones are captured by the trigger (with
         * their clocks handed over in {@link CaptureTriggers#CLOCKS_SETTING}); upserts, the bulk of
         * every push, record their own change-log entries ({@link CaptureTriggers#pushUpsertSql})
         * while {@link CaptureTriggers#PUSH_CAPTURE_SETTING} keeps the trigger out of the way. On the
         * retry after a constraint violation every table write runs on its own, under savepoints
         * ({@link #apply}). Returns the cursor after the push.
         */
        private String write(Connection c) throws SQLException {
            Map<String, Map<Set<String>, List<RowState>>> upserts = new TreeMap<>();
            Map<String, List<RowState>> deletes = new TreeMap<>();
            Map<String, List<RowState>> tombstones = new TreeMap<>();
            Map<String, TableDef> tables = new HashMap<>();
            for (RowState st : rows.values()) {
                if (!st.dirty) {
                    continue;
                }
                TableDef t = st.table;
                tables.put(t.name(), t);
                if (st.row != null) {
                    upserts.computeIfAbsent(t.name(), k -> new LinkedHashMap<>())
                            .computeIfAbsent(new java.util.TreeSet<>(st.row.keySet()), k -> new ArrayList<>())
                            .add(st);
                } else if (st.existedAtStart) {
                    deletes.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(st);
                } else {
                    tombstones.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(st);
                }
            }
            // table writes in order: deletes, tombstones, upserts (a delete and an upsert never share a row)
            List<TableWrite> captured = new ArrayList<>();
            for (Map.Entry<String, List<RowState>> e : deletes.entrySet()) {
                TableDef t = tables.get(e.getKey());
                captured.add(new TableWrite(t, "DELETE FROM " + Sql.q(s, t.name()) + " WHERE " + keyPredicate(t), e.getValue(),
                        (conn, ps, at, sts) -> bindKeys(ps, at, t, rowsJson(sts, st -> toDb(t, st.pk)))));
            }
            for (Map.Entry<String, List<RowState>> e : tombstones.entrySet()) {
                TableDef t = tables.get(e.getKey());
                captured.add(new TableWrite(t, CaptureTriggers.tombstonesSql(caller.tenant(), t), e.getValue(), (conn, ps, at, sts) -> {
                    ps.setString(at, rowsJson(sts, st -> Map.of("pk", st.pk)));
                    return at + 1;
                }));
            }
            List<TableWrite> selfCaptured = new ArrayList<>();
            for (Map.Entry<String, Map<Set<String>, List<RowState>>> e : upserts.entrySet()) {
                TableDef t = tables.get(e.getKey());
                for (Map.Entry<Set<String>, List<RowState>> g : e.getValue().entrySet()) {
                    // rows new and whole (see CaptureTriggers.pushInsertSql) apart from the rest
                    List<RowState> fresh = new ArrayList<>();
                    List<RowState> rest = new ArrayList<>();
                    boolean whole = g.getKey().size() == t.columns().size();
                    boolean inputIsData = CaptureTriggers.inputIsEntryData(t);
                    for (RowState st : g.getValue()) {
                        boolean isFresh = whole && !st.existedAtStart && !st.hasEntry && (!inputIsData || pgRealsHold(t, st.row));
                        if (!isFresh && st.takenAsNew) {
                            // only the insert of new rows finds a row that was there after all: redone with it read
                            throw new LostRace();
                        }
                        (isFresh ? fresh : rest).add(st);
                    }
                    if (!fresh.isEmpty()) {
                        selfCaptured.add(new TableWrite(t, CaptureTriggers.pushInsertSql(caller.tenant(), t), fresh,
                                (conn, ps, at, sts) -> bindInsert(conn, ps, at, t, sts)));
                    }
                    if (!rest.isEmpty()) {
                        selfCaptured.add(new TableWrite(t, CaptureTriggers.pushUpsertSql(caller.tenant(), t, g.getKey()), rest,
                                (conn, ps, at, sts) -> bindUpsert(conn, ps, at, t, sts)));
                    }
                }
            }
            String[] cursor = new String[1];
            Pipeline p = new Pipeline();
            if (!captured.isEmpty()) {
                String clocks = clocksJson(captured);
                p.add("SELECT set_config(?, ?, true)", (ps, at) -> {
                    ps.setString(at++, CaptureTriggers.CLOCKS_SETTING);
                    ps.setString(at++, clocks);
                    return at;
                }, null);
            }
            // the trigger captures the deletes and tombstones; from the upserts on it stands aside
            List<TableDef> pipelined = new ArrayList<>();
            if (savepoints) {
                // each write on its own, under savepoints; the settings outside them (a set_config
                // inside a savepoint is undone with it)
                p.run(c);
                for (TableWrite w : captured) {
                    apply(c, w);
                }
                if (!selfCaptured.isEmpty()) {
                    Pipeline setting = new Pipeline();
                    addPushCapture(setting);
                    setting.run(c);
                }
                for (TableWrite w : selfCaptured) {
                    apply(c, w);
                }
                p = new Pipeline();
            } else {
                addWrites(c, p, captured, pipelined);
                if (!selfCaptured.isEmpty()) {
                    addPushCapture(p);
                }
                addWrites(c, p, selfCaptured, pipelined);
            }
            addConflicts(p);
            addFinish(p, cursor);
            // the commit, in the same round trip: every check that must undo the push fails a statement
            // before it (posduif_lost_race, a unique key, a table's constraint), and PostgreSQL then skips
            // the rest; the transaction's commit() afterwards finds nothing left to do
            p.add("COMMIT", (ps, at) -> at, null);
            runGuarded(c, p, pipelined);
            recordTouched();
            return cursor[0];
        }

        private void addWrites(Connection c, Pipeline p, List<TableWrite> writes, List<TableDef> pipelined) {
            for (TableWrite w : writes) {
                p.add(w.sql(), (ps, at) -> w.bind().bind(c, ps, at, w.states()), null);
                pipelined.add(w.table());
            }
        }

        /** From here on the transaction's own statements are not captured by the trigger: they capture themselves. */
        private void addPushCapture(Pipeline p) {
            p.add("SELECT set_config(?, 'push', true)", (ps, at) -> {
                ps.setString(at++, CaptureTriggers.PUSH_CAPTURE_SETTING);
                return at;
            }, null);
        }

        /**
         * The parameters of {@link CaptureTriggers#pushUpsertSql}: the rows, their clocks, their
         * buckets before the write (rows that existed) and the keys of those with a change-log entry.
         */
        private int bindUpsert(Connection c, PreparedStatement ps, int at, TableDef t, List<RowState> sts) throws SQLException {
            String[] clocks = new String[sts.size()];
            String[] oldBuckets = new String[sts.size()];
            List<String> prev = new ArrayList<>();
            List<String> prevTxids = new ArrayList<>();
            List<Long> prevSeqs = new ArrayList<>();
            for (int i = 0; i < sts.size(); i++) {
                RowState st = sts.get(i);
                clocks[i] = clockText(st);
                if (st.startRow != null) {
                    oldBuckets[i] = toJson(new ArrayList<>(st.startBuckets()));
                }
                if (st.hasEntry) {
                    prev.add(st.pkJson);
                    prevTxids.add(st.entryTxid);
                    prevSeqs.add(st.entrySeq);
                }
            }
            ps.setString(at++, rowsJson(sts, st -> toDb(t, st.row)));
            ps.setArray(at++, c.createArrayOf("text", clocks));
            ps.setArray(at++, c.createArrayOf("text", oldBuckets));
            ps.setArray(at++, c.createArrayOf("jsonb", prev.toArray()));
            ps.setArray(at++, c.createArrayOf("text", prevTxids.toArray()));
            ps.setArray(at++, c.createArrayOf("bigint", prevSeqs.toArray()));
            return at;
        }

        /** The parameters of {@link CaptureTriggers#pushInsertSql}: the rows, their clocks and how many. */
        private int bindInsert(Connection c, PreparedStatement ps, int at, TableDef t, List<RowState> sts) throws SQLException {
            String[] clocks = new String[sts.size()];
            for (int i = 0; i < sts.size(); i++) {
                clocks[i] = clockText(sts.get(i));
            }
            ps.setString(at++, rowsJson(sts, CaptureTriggers.inputIsEntryData(t) ? st -> pgReals(t, st.row) : st -> toDb(t, st.row)));
            ps.setArray(at++, c.createArrayOf("text", clocks));
            ps.setInt(at++, sts.size());
            return at;
        }

        /** What the committed push announces: the buckets of every row it wrote (before and after), and its upserted rows. */
        private void recordTouched() {
            for (RowState st : rows.values()) {
                if (!st.dirty) {
                    continue;
                }
                if (st.row != null) {
                    touchedBuckets.addAll(st.buckets);
                    upserted.computeIfAbsent(st.table.name(), k -> new ArrayList<>()).add(st.row);
                }
                touchedBuckets.addAll(st.startBuckets());
            }
        }

        private String rowsJson(List<RowState> states, java.util.function.Function<RowState, Map<String, Object>> dbRow) {
            List<Map<String, Object>> all = new ArrayList<>(states.size());
            for (RowState st : states) {
                all.add(dbRow.apply(st));
            }
            return toJson(all);
        }

        /**
         * Runs a pipeline holding writes of {@code written}: a row breaking a constraint of one of
         * those tables is the client's data (the batch is redone with savepoints), a concurrent
         * writer that committed first is a {@link LostRace} (the push is redone).
         */
        private void runGuarded(Connection c, Pipeline p, List<TableDef> written) throws SQLException {
            try {
                p.run(c);
            } catch (SQLException e) {
                if (isLostRace(e)) {
                    throw new LostRace();
                }
                for (TableDef t : written) {
                    if (violatesTableConstraint(e, t)) {
                        throw new ConstraintViolated();
                    }
                }
                throw e;
            }
        }

        private void addConflicts(Pipeline p) {
            if (conflicts.isEmpty()) {
                return;
            }
            List<Map<String, Object>> cs = new ArrayList<>();
            for (Object[] cf : conflicts) {
                Valid v = (Valid) cf[1];
                Map<String, Object> m = new HashMap<>();
                m.put("id", cf[0].toString());
                m.put("tbl", v.table().name());
                m.put("pk", v.pk());
                m.put("op", v.op().kind() == PushRequest.Kind.DELETE ? "delete" : "upsert");
                m.put("op_id", v.op().opId());
                m.put("ts_micros", micros(v.clock().ts()));
                m.put("client_row", cf[3]);
                m.put("server_row", cf[2]);
                cs.add(m);
            }
            String json = toJson(cs);
            p.add("INSERT INTO " + Sql.q(s, "posduif_conflicts")
                    + " (id, tbl, pk, op, device_id, user_id, op_id, client_ts, client_row, server_row) "
                    + "SELECT x.id, x.tbl, x.pk, x.op, ?, ?, x.op_id, to_timestamp(0) + x.ts_micros * interval '1 microsecond', "
                    + "x.client_row, x.server_row FROM jsonb_to_recordset(?::jsonb) AS x(id uuid, tbl text, pk jsonb, op text, "
                    + "op_id text, ts_micros bigint, client_row jsonb, server_row jsonb)", (ps, at) -> {
                ps.setString(at++, caller.deviceId());
                ps.setObject(at++, caller.userId());
                ps.setString(at++, json);
                return at;
            }, null);
        }

        /**
         * The ledger rows with their results, the device's push time and op mark, and the log
         * position after the push (snapshot xmin, as pull's cursor).
         *
         * <p>A batch whose ops all applied, none of them a replay, with op ids that increase and
         * start above the mark, is recorded as one row of {@code posduif_op_batches}; any other
         * as a row per op (in op-id order, so two deliveries sharing op ids meet on them in one
         * order). Either way the mark moves up to the batch's highest op id, and only if it is
         * still the value {@link #read} saw: a delivery that committed meanwhile may have
         * recorded an op this one took for new, and the push is redone ({@link LostRace}).
         */
        private void addFinish(Pipeline p, String[] cursor) {
            // the results as final: on the savepoint path the writes before this may have rejected ops;
            // bound as parallel arrays (the applied majority has no code or message)
            int n = request.ops().size() - replayed.size();
            String[] opIds = new String[n];
            String[] hashed = new String[n];
            String[] statuses = new String[n];
            String[] codes = new String[n];
            String[] messages = new String[n];
            int i = 0;
            boolean allApplied = true;
            for (PushRequest.Op op : request.ops()) {
                if (!replayed.contains(op.opId())) {
                    Map<String, Object> r = results[op.index()];
                    opIds[i] = op.opId();
                    hashed[i] = hashes.get(op.opId());
                    statuses[i] = (String) r.get("status");
                    codes[i] = (String) r.get("code");
                    messages[i] = (String) r.get("message");
                    allApplied &= "applied".equals(statuses[i]);
                    i++;
                }
            }
            String devices = Sql.q(s, "posduif_sync_devices");
            // the ids that move the mark (all of them, or a batch row's last), their maximum taken by
            // PostgreSQL in its own order
            String[][] marked = new String[1][];
            StringBuilder sql = new StringBuilder("WITH ");
            Pipeline.Binder ledger;
            if (n > 0 && replayed.isEmpty() && allApplied && OpIds.canonicalUuids(opIds) && OpIds.increasingAbove(opIds, opMark)) {
                sql.append("l AS (INSERT INTO ").append(Sql.q(s, "posduif_op_batches"))
                        .append(" (device_id, last_op, op_ids, hashes) VALUES (?, ?, ?::uuid[], ?)), ");
                marked[0] = new String[]{opIds[n - 1]};
                ledger = (ps, at) -> {
                    ps.setString(at++, caller.deviceId());
                    ps.setString(at++, opIds[n - 1]);
                    ps.setArray(at++, ps.getConnection().createArrayOf("text", opIds));
                    ps.setBytes(at++, OpIds.hashPrefixes(hashed));
                    return at;
                };
            } else {
                sql.append("l AS (INSERT INTO ").append(Sql.q(s, "posduif_op_ledger"))
                        .append(" (device_id, op_id, payload_hash, status, code, message) SELECT ?, x.op_id, x.h, x.status, x.code, x.message ")
                        .append("FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS x(op_id, h, status, code, message) ")
                        .append("ORDER BY x.op_id COLLATE \"C\"), ");
                marked[0] = opIds;
                ledger = (ps, at) -> {
                    ps.setString(at++, caller.deviceId());
                    for (String[] column : new String[][]{opIds, hashed, statuses, codes, messages}) {
                        ps.setArray(at++, ps.getConnection().createArrayOf("text", column));
                    }
                    return at;
                };
            }
            // greatest() skips a null: a push that records nothing (all replays) keeps the mark, and
            // checks nothing (it took no op for new)
            sql.append("d AS (INSERT INTO ").append(devices).append(" AS sd (device_id, last_push_at, op_mark) ")
                    .append("VALUES (?, now(), (SELECT max(u.x COLLATE \"C\") FROM unnest(?::text[]) AS u(x))) ")
                    .append("ON CONFLICT (device_id) DO UPDATE SET last_push_at = now(), op_mark = greatest(sd.op_mark, EXCLUDED.op_mark) ")
                    .append("WHERE ? OR sd.op_mark IS NOT DISTINCT FROM ?::text COLLATE \"C\" RETURNING 1) ")
                    // and the trigger captures again whatever else the transaction might write
                    .append("SELECT log_id, pg_snapshot_xmin(pg_current_snapshot())::text, set_config('").append(CaptureTriggers.PUSH_CAPTURE_SETTING)
                    // the mark moved since read saw it: a push that takes no device lock (an instance from
                    // before op marks, or the device's first push racing another) recorded ops
                    .append("', '', true), CASE WHEN (SELECT count(*) FROM d) = 0 THEN ").append(Sql.q(s, "posduif_lost_race"))
                    .append("('the op mark moved') END FROM ").append(Sql.q(s, "posduif_sync_state"));
            p.add(sql.toString(), (ps, at) -> {
                at = ledger.bind(ps, at);
                ps.setString(at++, caller.deviceId());
                ps.setArray(at++, ps.getConnection().createArrayOf("text", marked[0]));
                ps.setBoolean(at++, n == 0);
                ps.setString(at++, opMark);
                return at;
            }, rs -> {
                rs.next();
                cursor[0] = pull.cursorAt(rs.getLong(1), rs.getString(2));
            });
        }

        /**
         * The clocks of the rows of {@code writes} (the trigger-captured deletes and tombstones), handed
         * to capture in the transaction setting {@link CaptureTriggers#CLOCKS_SETTING} before those writes.
         */
        private String clocksJson(List<TableWrite> writes) {
            List<Map<String, Object>> clocks = new ArrayList<>();
            for (TableWrite w : writes) {
                for (RowState st : w.states()) {
                    Map<String, Object> m = new HashMap<>();
                    m.put("pk", st.pk);
                    m.put("c", clockText(st));
                    clocks.add(m);
                }
            }
            return toJson(clocks);
        }

        /**
         * A row's clock as capture stores it: {@code [ts_micros, device, op, {field: [ts_micros, device, op]}]}
         * (fields in name order). Written by hand: one per pushed row, and a generator per clock
         * cost more than the rest of the row's JSON.
         */
        private String clockText(RowState st) {
            StringBuilder sb = new StringBuilder(96);
            appendClock(sb, st.base);
            sb.setLength(sb.length() - 1); // reopened for the field clocks
            sb.append(",{");
            boolean first = true;
            for (Map.Entry<String, Clock> f : st.fields.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                jsonString(sb, f.getKey()).append(':');
                appendClock(sb, f.getValue());
            }
            return sb.append("}]").toString();
        }

        /**
         * Writes the rows of one table with one statement, on the retry after a constraint
         * violation. A row that breaks a constraint of the table the schema file declared (unique
         * index, check, …; SQLSTATE class 23) is the client's data, not a server failure: the
         * statement is undone to a savepoint and the rows are written one by one, each under its
         * own savepoint, so that only the offending rows' ops are rejected and everything else in
         * the batch applies. Savepoints (subtransactions) cost on every push, so the common path
         * ({@link #write}'s pipeline) has none: a violation there aborts the whole transaction, and
         * the batch is redone from scratch with savepoints.
         */
        private void apply(Connection c, TableWrite w) throws SQLException {
            TableDef t = w.table();
            try (PreparedStatement ps = c.prepareStatement("SAVEPOINT posduif_write; " + w.sql())) {
                w.bind().bind(c, ps, 1, w.states());
                ps.execute();
                return;
            } catch (SQLException e) {
                requireTableConstraint(e, t);
                undo(c, "posduif_write");
            }
            for (RowState st : w.states()) {
                try (PreparedStatement ps = c.prepareStatement("SAVEPOINT posduif_row; " + w.sql())) {
                    w.bind().bind(c, ps, 1, List.of(st));
                    ps.execute();
                } catch (SQLException e) {
                    requireTableConstraint(e, t);
                    undo(c, "posduif_row");
                    rejectRow(st, e);
                    continue;
                }
                try (Statement release = c.createStatement()) {
                    release.execute("RELEASE SAVEPOINT posduif_row");
                }
            }
        }

        /** A failed write on the savepoint path: a row's violation of {@code t} is handled, a lost race redoes the push, anything else fails it. */
        private void requireTableConstraint(SQLException e, TableDef t) throws SQLException {
            if (isLostRace(e)) {
                throw new LostRace();
            }
            if (!violatesTableConstraint(e, t)) {
                throw e;
            }
        }

        private void undo(Connection c, String savepoint) throws SQLException {
            try (Statement st = c.createStatement()) {
                st.execute("ROLLBACK TO SAVEPOINT " + savepoint + "; RELEASE SAVEPOINT " + savepoint);
            }
        }

        /** The row stays as it was; every op of the batch that wrote it is rejected. */
        private void rejectRow(RowState st, SQLException e) {
            String constraint = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
                    ? p.getServerErrorMessage().getConstraint() : null;
            String message = "the row violates " + (constraint == null ? "a constraint" : "constraint " + constraint)
                    + " of " + st.table.name();
            for (PushRequest.Op op : st.applied) {
                Map<String, Object> r = result(op, "rejected");
                r.put("code", ErrorCode.CONSTRAINT_VIOLATION.name());
                r.put("message", message);
            }
            st.dirty = false;
        }

        /**
         * Rows of {@code t} whose key is in a JSON array of rows. Shaped so that the first key
         * column is always an index condition ({@code = ANY} of an array), whatever the statistics
         * say: a hash join over a seq scan, chosen from stale statistics after a bulk load, made
         * every push read the whole table.
         */
        private String keyPredicate(TableDef t) {
            return keyPredicate(t, "");
        }

        /** {@link #keyPredicate(TableDef)} with the table's columns qualified by {@code alias} (as {@code "t."}). */
        private String keyPredicate(TableDef t, String alias) {
            String from = " FROM jsonb_populate_recordset(NULL::" + Sql.q(s, t.name()) + ", ?::jsonb) AS x";
            String first = Sql.q(t.primaryKey().get(0));
            String out = alias + first + " = ANY (ARRAY(SELECT x." + first + from + "))";
            if (t.primaryKey().size() > 1) {
                String pkCols = String.join(", ", t.primaryKey().stream().map(Sql::q).toList());
                String mine = String.join(", ", t.primaryKey().stream().map(k -> alias + Sql.q(k)).toList());
                out += " AND (" + mine + ") IN (SELECT " + pkCols + from + ")";
            }
            return out;
        }

        private int bindKeys(PreparedStatement ps, int at, TableDef t, String rowsJson) throws SQLException {
            ps.setString(at++, rowsJson);
            if (t.primaryKey().size() > 1) {
                ps.setString(at++, rowsJson);
            }
            return at;
        }

        // ---- results ----

        private Map<String, Object> result(PushRequest.Op op, String status) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("op_id", op.opId());
            r.put("status", status);
            results[op.index()] = r;
            return r;
        }

        private Valid reject(PushRequest.Op op, ErrorCode code, String message) {
            Map<String, Object> r = result(op, "rejected");
            r.put("code", code.name());
            // messages quote the client's names, and the ledger keeps them in a text column
            r.put("message", message.replace('\u0000', '\uFFFD'));
            return null;
        }
    }

    // ---- helpers ----

    /**
     * A violation of a constraint of the tenant's table itself (SQLSTATE class 23). One raised on
     * an engine table ({@code posduif_*}) is a server bug and must not be blamed on the client.
     */
    static boolean violatesTableConstraint(SQLException e, TableDef t) {
        if (e.getSQLState() == null || !e.getSQLState().startsWith("23")) {
            return false;
        }
        String table = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
                ? p.getServerErrorMessage().getTable() : null;
        return table == null || table.equals(t.name());
    }

    /** The wire value in canonical form (UUIDs lower case, timestamps normalised, …). */
    static Object canonical(ColumnDef col, Object wire) {
        if (wire == null) {
            return null;
        }
        return col.type().toWire(col.type().toJdbc(wire));
    }

    /** A wire row as {@code jsonb_populate_recordset} reads it (blobs as bytea hex). */
    private static Map<String, Object> toDb(TableDef t, Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>(row);
        for (ColumnDef col : t.columns()) {
            if (col.type() == ColumnType.BLOB && out.get(col.name()) instanceof String b64) {
                out.put(col.name(), "\\x" + HexFormat.of().formatHex(Base64.getDecoder().decode(b64)));
            }
        }
        return out;
    }

    /**
     * The row with its doubles as PostgreSQL prints a double precision (to_jsonb, and so capture):
     * shortest digits, no ".0" of an integral value. Double.toString has the same shortest digits;
     * as a BigDecimal without trailing zeros it prints them without the ".0" (1.0 as 1, 1.0E-5 as
     * 0.00001, 1.0E21 as 1E+21: jsonb keeps the scale of what it reads, so each reads as the value
     * and scale PostgreSQL's own text would). The table gets the same double either way.
     */
    private static Map<String, Object> pgReals(TableDef t, Map<String, Object> row) {
        Map<String, Object> out = null;
        for (ColumnDef col : t.columns()) {
            if (col.type() == ColumnType.REAL && row.get(col.name()) instanceof Double d) {
                if (out == null) {
                    out = new LinkedHashMap<>(row);
                }
                out.put(col.name(), new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros());
            }
        }
        return out == null ? row : out;
    }

    /**
     * Whether {@link #pgReals} keeps the row's doubles as PostgreSQL prints them: a negative zero
     * would become zero (a BigDecimal has no sign of zero), non-finite values have no JSON form,
     * and for a subnormal Java may print two digits where PostgreSQL prints one (4.9E-324, 5e-324).
     */
    private static boolean pgRealsHold(TableDef t, Map<String, Object> row) {
        for (ColumnDef col : t.columns()) {
            if (col.type() == ColumnType.REAL && row.get(col.name()) instanceof Double d
                    && (!Double.isFinite(d) || Double.doubleToRawLongBits(d) == Double.doubleToRawLongBits(-0.0)
                    || (d != 0 && Math.abs(d) < Double.MIN_NORMAL))) {
                return false;
            }
        }
        return true;
    }

    /** {@code [ts_micros,"device","op"]} */
    private static StringBuilder appendClock(StringBuilder sb, Clock c) {
        sb.append('[').append(micros(c.ts())).append(',');
        jsonString(sb, c.device()).append(',');
        return jsonString(sb, c.op()).append(']');
    }

    /** A JSON string literal (RFC 8259: quote, backslash and control characters escaped). */
    static StringBuilder jsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') {
                sb.append('\\').append(ch);
            } else if (ch < 0x20) {
                sb.append(String.format("\\u%04x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.append('"');
    }

    private static long micros(Instant i) {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1_000);
    }

    /** A clock as capture stored it: {@code [ts_micros, device, op, {field: [ts_micros, device, op]}]}. */
    private void parseClock(String text, RowState st) {
        try {
            List<Object> l = json.readValue(text, io.micronaut.core.type.Argument.listOf(Object.class));
            st.base = clock(l);
            Map<String, Clock> fields = new TreeMap<>();
            if (l.size() > 3 && l.get(3) instanceof Map<?, ?> m) {
                m.forEach((k, v) -> fields.put((String) k, clock((List<?>) v)));
            }
            st.fields = fields;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("corrupt row clock: " + text, e);
        }
    }

    private static Clock clock(List<?> l) {
        long us = ((Number) l.get(0)).longValue();
        return new Clock(Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1000),
                (String) l.get(1), (String) l.get(2));
    }

    private static String key(String table, String pkJson) {
        return table + '\u0000' + pkJson;
    }

    private static long lockKey(String table, String pkJson) {
        byte[] d = sha256().digest((table + '\u0000' + pkJson).getBytes(StandardCharsets.UTF_8));
        long k = 0;
        for (int i = 0; i < 8; i++) {
            k = (k << 8) | (d[i] & 0xff);
        }
        return k;
    }

    /**
     * SHA-256 of the op's JSON with sorted keys, as hex: what the ledger compares a replay by. The
     * op was parsed from the request's JSON, so it holds only values {@link JsonText} writes.
     */
    private static String hash(Map<String, Object> raw) {
        MessageDigest md = sha256();
        JsonText.sorted(raw, md);
        return HexFormat.of().formatHex(md.digest());
    }

    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh digest: a clone of one looked up once (the provider lookup cost more than hashing an op). */
    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private String toJson(Object o) {
        try {
            return JsonText.of(o);
        } catch (IllegalArgumentException notPlain) {
            // a value type JsonText does not know: the mapper knows more
            try {
                return json.writeValueAsString(o);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

package io.posduif.functions.sync;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.realtime.DeviceScopes;
import io.posduif.functions.schema.TenantSchema;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Serves a device the changes of its scope after its cursor.
 *
 * <p>The page is read in one REPEATABLE READ snapshot: its xmin bounds what may be served (a
 * transaction still running below it could commit an entry before the cursor later), and the
 * page itself is a range scan per bucket key merged in cursor order. The JSON of each change
 * comes out of PostgreSQL as text and is copied into the response once.
 */
@Singleton
public class PullService {

    private final Db db;
    private final TenantSchemas schemas;
    private final Scopes scopes;
    private final SyncConfig config;
    private final ApplicationEventPublisher<ChangesPulled> pulled;
    private final ApplicationEventPublisher<PullRequested> requested;
    private final byte[] cursorKey;
    private final DeviceScopes deviceScopes;

    PullService(Db db, TenantSchemas schemas, Scopes scopes, SyncConfig config,
                ApplicationEventPublisher<ChangesPulled> pulled,
                ApplicationEventPublisher<PullRequested> requested, DeviceScopes deviceScopes,
                @Value("${micronaut.security.token.jwt.signatures.secret.generator.secret}") String jwtSecret) {
        this.db = db;
        this.schemas = schemas;
        this.scopes = scopes;
        this.config = config;
        this.pulled = pulled;
        this.requested = requested;
        this.deviceScopes = deviceScopes;
        this.cursorKey = Cursor.key(config.cursorKey() != null ? config.cursorKey() : jwtSecret);
    }

    /** A page: the complete JSON response body, plus what the caller needs to know about it. */
    public record Page(byte[] body, String cursor, boolean hasMore, int count) {
    }

    public int parseLimit(String limit) {
        if (limit == null || limit.isBlank()) {
            return config.defaultPullLimit();
        }
        try {
            int n = Integer.parseInt(limit.trim());
            if (n >= 1 && n <= config.maxPullLimit()) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new ApiException(ErrorCode.VALIDATION_ERROR, "limit must be between 1 and " + config.maxPullLimit(),
                Map.of("field", "limit"));
    }

    public Page pull(Caller caller, String cursorText, int limit) {
        requested.publishEvent(new PullRequested(caller));
        TenantSchema schema = schemas.current(caller.tenant());
        Map<String, List<String>> upserted = new HashMap<>();
        boolean[] scopeChanged = new boolean[1];
        Page page = db.withConnection(c -> {
            // the isolation is the transaction's own (SET TRANSACTION, readPage's first statement), not
            // the connection's: setting and resetting the connection's cost two round trips a page
            c.setAutoCommit(false);
            try {
                Page p = readPage(c, caller, schema, cursorText, limit, upserted, scopeChanged);
                // readPage's last round trip committed (a no-op here unless it failed before that)
                c.commit();
                return p;
            } catch (RuntimeException | SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
        if (scopeChanged[0]) {
            deviceScopes.changed(caller.tenant(), caller.deviceId());
        }
        if (!upserted.isEmpty()) {
            pulled.publishEvent(new ChangesPulled(caller, upserted));
        }
        return page;
    }

    /**
     * The page in two round trips: the log's state (and the principal's attributes), then the page,
     * the commit of its read-only transaction, and the device's record (the cursor it presented, what
     * it has seen, for server-wins and the horizon; its scope keys, which the relay routes
     * sync_required by, a no-op write when unchanged) in a transaction of its own after that commit.
     */
    private Page readPage(Connection c, Caller caller, TenantSchema schema, String cursorText, int limit,
                          Map<String, List<String>> upserted, boolean[] scopeChanged) throws SQLException {
        String s = caller.tenant().schema();
        long logId;
        Cursor horizon;
        String xmin;
        String attributes;
        // one round trip: the transaction made REPEATABLE READ and read-only before its snapshot is
        // taken, the log's state and that snapshot's xmin, the user's attributes (for its scope)
        try (PreparedStatement ps = c.prepareStatement("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                + "SELECT log_id, horizon_txid::text, horizon_seq, pg_snapshot_xmin(pg_current_snapshot())::text, "
                + Scopes.attributesSubquery(s) + ", current_setting('transaction_isolation') "
                + "FROM " + Sql.q(s, "posduif_sync_state"))) {
            ps.setObject(1, caller.userId());
            ps.execute();
            while (ps.getResultSet() == null) {
                if (!ps.getMoreResults() && ps.getUpdateCount() == -1) {
                    throw new IllegalStateException("the log state query returned no rows");
                }
            }
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                logId = rs.getLong(1);
                horizon = new Cursor(logId, Long.parseUnsignedLong(rs.getString(2)), rs.getLong(3));
                xmin = rs.getString(4);
                attributes = rs.getString(5);
                if (!"repeatable read".equals(rs.getString(6))) {
                    // the page's xmin and its entries must come from one snapshot (see the class comment)
                    throw new IllegalStateException("pull page read in " + rs.getString(6) + ", not one snapshot");
                }
            }
        }
        // an unknown user is refused before the cursor is looked at
        Map<String, Object> principal = scopes.principalParams(caller, attributes);
        Cursor from = Cursor.decode(cursorText, logId, cursorKey);
        if (from.logId() != logId) {
            throw new ApiException(ErrorCode.RESET_REQUIRED, "cursor belongs to another change log; pull from 0");
        }
        if (!from.isStart() && from.compareTo(horizon) < 0) {
            throw new ApiException(ErrorCode.RESET_REQUIRED, "cursor is older than the retention horizon; pull from 0");
        }
        Set<String> buckets = scopes.bucketsOfPrincipal(schema, principal);

        Body out = new Body(limit);
        out.add(CHANGES_OPEN);
        int[] n = {0};
        boolean[] hasMore = {false};
        byte[][] lastTxid = {null};
        long[] lastSeq = {0};
        Pipeline p = new Pipeline();
        if (!buckets.isEmpty()) {
            String sql = "WITH cand AS (SELECT DISTINCT p.txid, p.seq FROM unnest(?::text[]) AS b(bucket) "
                    + "CROSS JOIN LATERAL (SELECT cs.txid, cs.seq FROM " + Sql.q(s, "posduif_change_scope") + " cs "
                    + " WHERE cs.bucket = b.bucket AND (cs.txid, cs.seq) > (?::xid8, ?::bigint) AND cs.txid < ?::xid8 "
                    + " ORDER BY cs.txid, cs.seq LIMIT ?) p ORDER BY p.txid, p.seq LIMIT ?) "
                    + "SELECT c.txid::text, c.seq, c.tbl, c.pk::text, "
                    + " CASE WHEN NOT c.deleted AND c.buckets && ?::text[] THEN c.data END "
                    + "FROM cand JOIN " + Sql.q(s, "posduif_changes") + " c ON c.txid = cand.txid AND c.seq = cand.seq "
                    + "ORDER BY c.txid, c.seq";
            Array arr = c.createArrayOf("text", buckets.toArray());
            p.add(sql, (ps, at) -> {
                ps.setArray(at++, arr);
                ps.setString(at++, from.txidText());
                ps.setLong(at++, from.seq());
                ps.setString(at++, xmin);
                ps.setInt(at++, limit + 1);
                ps.setInt(at++, limit + 1);
                ps.setArray(at++, arr);
                return at;
            }, rs -> {
                while (rs.next()) {
                    if (n[0] == limit) {
                        hasMore[0] = true;
                        break;
                    }
                    // the columns' text as the driver received it (UTF-8), copied once into the body
                    byte[] table = rs.getBytes(3);
                    byte[] pk = rs.getBytes(4);
                    byte[] data = rs.getBytes(5);
                    out.add(n[0] > 0 ? NEXT_TABLE : FIRST_TABLE);
                    out.add(table); // a validated identifier: no escaping needed
                    out.add(data == null ? DELETE_PK : UPSERT_PK);
                    out.add(pk);
                    if (data != null) {
                        out.add(DATA);
                        out.add(data);
                        upserted.computeIfAbsent(new String(table, StandardCharsets.UTF_8), k -> new ArrayList<>())
                                .add(new String(pk, StandardCharsets.UTF_8));
                    }
                    out.add(CLOSE);
                    lastTxid[0] = rs.getBytes(1);
                    lastSeq[0] = rs.getLong(2);
                    n[0]++;
                }
            });
        }
        // the page's transaction ends here; the device's record is a transaction of its own after it, in
        // the same round trip (a failed page skips both)
        p.add("COMMIT", (ps, at) -> at, null);
        String devices = "INSERT INTO " + Sql.q(s, "posduif_sync_devices")
                + " AS d (device_id, cursor_txid, cursor_seq, last_pull_at) VALUES (?, ?::xid8, ?, now()) "
                + "ON CONFLICT (device_id) DO UPDATE SET cursor_txid = EXCLUDED.cursor_txid, "
                + "cursor_seq = EXCLUDED.cursor_seq, last_pull_at = now()";
        p.add(DeviceScopes.recordSql(caller.tenant(), devices), (ps, at) -> {
            ps.setString(at++, caller.deviceId());
            ps.setString(at++, from.txidText());
            ps.setLong(at++, from.seq());
            ps.setString(at++, caller.deviceId());
            ps.setArray(at++, c.createArrayOf("text", DeviceScopes.keys(buckets)));
            return at;
        }, rs -> scopeChanged[0] = rs.next());
        p.run(c);
        boolean more = hasMore[0];
        Cursor next;
        if (more) {
            next = new Cursor(logId, Long.parseUnsignedLong(new String(lastTxid[0], StandardCharsets.US_ASCII)), lastSeq[0]);
        } else {
            // everything of this scope below xmin is served: later entries can only appear at or above it
            Cursor caughtUp = new Cursor(logId, Long.parseUnsignedLong(xmin), 0);
            next = caughtUp.compareTo(from) > 0 ? caughtUp : from;
        }
        String cursor = next.encode(cursorKey);
        out.add(ascii("],\"cursor\":\"" + cursor + "\",\"has_more\":" + more + ",\"schema_version\":" + schema.version() + "}"));
        return new Page(out.bytes(), cursor, more, n[0]);
    }

    private static final byte[] CHANGES_OPEN = ascii("{\"changes\":[");
    private static final byte[] FIRST_TABLE = ascii("{\"table\":\"");
    private static final byte[] NEXT_TABLE = ascii(",{\"table\":\"");
    private static final byte[] DELETE_PK = ascii("\",\"op\":\"delete\",\"pk\":");
    private static final byte[] UPSERT_PK = ascii("\",\"op\":\"upsert\",\"pk\":");
    private static final byte[] DATA = ascii(",\"data\":");
    private static final byte[] CLOSE = ascii("}");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A page's body as the pieces it is made of, joined once at the end into an array of its exact
     * size: a page of 1,000 rows is a quarter of a megabyte, which a growing buffer copied about
     * twice over, and once more to hand it on.
     */
    private static final class Body {
        private final List<byte[]> parts;
        private int size;

        Body(int rows) {
            parts = new ArrayList<>(rows * 7 + 2);
        }

        void add(byte[] part) {
            parts.add(part);
            size += part.length;
        }

        byte[] bytes() {
            byte[] all = new byte[size];
            int at = 0;
            for (byte[] part : parts) {
                System.arraycopy(part, 0, all, at, part.length);
                at += part.length;
            }
            return all;
        }
    }

    /** The cursor of a log position read elsewhere ({@code log_id}, snapshot xmin as text). */
    String cursorAt(long logId, String xmin) {
        return new Cursor(logId, Long.parseUnsignedLong(xmin), 0).encode(cursorKey);
    }

    /** The current cursor a device would get if it were caught up (for status and realtime events). */
    public String currentCursor(Connection c, String schema) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT log_id, pg_snapshot_xmin(pg_current_snapshot())::text FROM "
                     + Sql.q(schema, "posduif_sync_state"))) {
            rs.next();
            return cursorAt(rs.getLong(1), rs.getString(2));
        }
    }
}

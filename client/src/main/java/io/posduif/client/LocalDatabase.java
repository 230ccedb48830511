package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The device's SQLite database: the tenant's tables (created at runtime from the server's DDL)
 * and the SDK's own {@code _posduif_*} tables (metadata, credentials, outbox).
 *
 * <p>Every method that changes more than one thing does it in one SQLite transaction, so a
 * crash leaves either the old or the new state: a local write and its outbox entry, a pulled
 * page and its cursor, a schema migration and its version, a rotated secret and its token.
 *
 * <p>Local state is "server state + pending outbox": when a pulled change or a conflict answer
 * overwrites a row that still has pending local operations, those operations are re-applied on
 * top, so a pull never hides a write the server has not seen yet.
 */
final class LocalDatabase implements AutoCloseable {
    static final String META_CURSOR = "cursor";
    static final String META_INSTRUCTIONS = "app_instructions";
    static final String META_SCHEMA_VERSION = "schema_version";
    /** Set when the server refused a write the device already shows: the next pull re-bootstraps. */
    static final String META_RESYNC = "resync_required";

    private final Connection conn;
    private final Object lock = new Object();
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private volatile AppInstructions instructions;
    private long lastClientTsMillis = -1;
    /** Op ids for the outbox: time-ordered, strictly increasing (see {@link OpIds}). */
    private final OpIds opIds = new OpIds();

    LocalDatabase(String jdbcUrl) {
        try {
            conn = DriverManager.getConnection(jdbcUrl);
            try (Statement st = conn.createStatement()) {
                if (!jdbcUrl.contains(":memory:")) {
                    st.execute("PRAGMA journal_mode=WAL");
                }
                st.execute("PRAGMA busy_timeout=5000");
                st.execute("PRAGMA synchronous=NORMAL");
                st.execute("CREATE TABLE IF NOT EXISTS _posduif_meta (key TEXT PRIMARY KEY, value TEXT)");
                st.execute("CREATE TABLE IF NOT EXISTS _posduif_credentials (id INTEGER PRIMARY KEY CHECK (id = 1),"
                        + " base_url TEXT NOT NULL, tenant_id TEXT, user_id TEXT, device_id TEXT NOT NULL,"
                        + " device_secret TEXT NOT NULL, access_token TEXT, token_expires_at INTEGER NOT NULL DEFAULT 0,"
                        + " revoked INTEGER NOT NULL DEFAULT 0)");
                st.execute("CREATE TABLE IF NOT EXISTS _posduif_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                        + " op_id TEXT NOT NULL UNIQUE, table_name TEXT NOT NULL, op TEXT NOT NULL CHECK (op IN ('upsert','delete')),"
                        + " pk_key TEXT NOT NULL, pk TEXT NOT NULL, data TEXT, changed_fields TEXT NOT NULL, client_ts TEXT NOT NULL,"
                        + " created INTEGER NOT NULL DEFAULT 0)");
                st.execute("CREATE INDEX IF NOT EXISTS _posduif_outbox_row ON _posduif_outbox (table_name, pk_key, seq)");
                // outboxes of older SDKs: their pending upserts are sent as upserts
                boolean hasCreated = false;
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM pragma_table_info('_posduif_outbox') WHERE name = 'created'")) {
                    hasCreated = rs.next();
                }
                if (!hasCreated) {
                    st.execute("ALTER TABLE _posduif_outbox ADD COLUMN created INTEGER NOT NULL DEFAULT 0");
                }
                // After a restart, new op ids continue above the pending ones (older SDKs' v4 ids are skipped).
                try (ResultSet rs = st.executeQuery("SELECT max(op_id) FROM _posduif_outbox"
                        + " WHERE length(op_id) = 36 AND substr(op_id, 15, 1) = '7'")) {
                    if (rs.next()) {
                        opIds.advancePast(rs.getString(1));
                    }
                }
            }
            String stored = meta(META_INSTRUCTIONS);
            if (stored != null) {
                instructions = AppInstructions.from(Json.parse(stored));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open device database " + jdbcUrl, e);
        }
    }

    // ---------------------------------------------------------------- transactions

    interface Work<T> {
        T run() throws SQLException;
    }

    <T> T inTx(Work<T> work) {
        synchronized (lock) {
            try {
                conn.setAutoCommit(false);
                try {
                    T result = work.run();
                    conn.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    conn.rollback();
                    throw e;
                } finally {
                    conn.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw new LocalStoreException(e);
            }
        }
    }

    /** SQLite failures that are not the caller's fault (disk, corruption, a server DDL that does not run). */
    static final class LocalStoreException extends RuntimeException {
        LocalStoreException(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = conn.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    private void closeStatements() {
        for (PreparedStatement ps : statements.values()) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // closing a cached statement cannot fail in a way that matters
            }
        }
        statements.clear();
    }

    // ---------------------------------------------------------------- metadata

    String meta(String key) {
        synchronized (lock) {
            try {
                PreparedStatement ps = prepare("SELECT value FROM _posduif_meta WHERE key = ?");
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            } catch (SQLException e) {
                throw new LocalStoreException(e);
            }
        }
    }

    private void setMeta(String key, String value) throws SQLException {
        if (value == null) {
            PreparedStatement ps = prepare("DELETE FROM _posduif_meta WHERE key = ?");
            ps.setString(1, key);
            ps.executeUpdate();
            return;
        }
        PreparedStatement ps = prepare("INSERT INTO _posduif_meta (key, value) VALUES (?, ?)"
                + " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        ps.setString(1, key);
        ps.setString(2, value);
        ps.executeUpdate();
    }

    String cursor() {
        return meta(META_CURSOR);
    }

    long schemaVersion() {
        AppInstructions ai = instructions;
        return ai == null ? 0 : ai.schemaVersion();
    }

    AppInstructions instructions() {
        return instructions;
    }

    // ---------------------------------------------------------------- credentials

    record Credentials(String baseUrl, String tenantId, String userId, String deviceId, String deviceSecret,
                       String accessToken, long tokenExpiresAtMillis, boolean revoked) {
        Credentials withToken(String secret, String token, long expiresAt) {
            return new Credentials(baseUrl, tenantId, userId, deviceId, secret, token, expiresAt, revoked);
        }

        Credentials asRevoked() {
            return new Credentials(baseUrl, tenantId, userId, deviceId, deviceSecret, null, 0, true);
        }
    }

    Credentials credentials() {
        synchronized (lock) {
            try (PreparedStatement ps = conn.prepareStatement("SELECT base_url, tenant_id, user_id, device_id,"
                    + " device_secret, access_token, token_expires_at, revoked FROM _posduif_credentials WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Credentials(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getLong(7), rs.getInt(8) != 0);
            } catch (SQLException e) {
                throw new LocalStoreException(e);
            }
        }
    }

    /** One statement, so a rotated secret and the token it bought are stored together or not at all. */
    void saveCredentials(Credentials c) {
        inTx(() -> {
            try (PreparedStatement ps = conn.prepareStatement("INSERT OR REPLACE INTO _posduif_credentials"
                    + " (id, base_url, tenant_id, user_id, device_id, device_secret, access_token, token_expires_at, revoked)"
                    + " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, c.baseUrl());
                ps.setString(2, c.tenantId());
                ps.setString(3, c.userId());
                ps.setString(4, c.deviceId());
                ps.setString(5, c.deviceSecret());
                ps.setString(6, c.accessToken());
                ps.setLong(7, c.tokenExpiresAtMillis());
                ps.setInt(8, c.revoked() ? 1 : 0);
                ps.executeUpdate();
            }
            return null;
        });
    }

    // ---------------------------------------------------------------- schema

    /**
     * Brings the local tables to the given schema in one transaction. The server's DDL creates
     * what is missing; columns a table gained since the device's version are added with
     * {@code ALTER TABLE ADD COLUMN} computed from the column lists (nullable: existing rows have
     * no value yet, the next pull fills them). The outbox is not touched.
     */
    void applyInstructions(AppInstructions ai) {
        long current = schemaVersion();
        inTx(() -> {
            if (current > 0 && ai.migrationFrom() == current) {
                for (String statement : ai.migrationSql()) {
                    runDdl(statement);
                }
            }
            for (TableDef table : ai.tables().values()) {
                Set<String> existing = existingColumns(table.name());
                if (!existing.isEmpty()) {
                    for (ColumnDef col : table.columns().values()) {
                        if (!existing.contains(col.name().toLowerCase(java.util.Locale.ROOT))) {
                            try (Statement st = conn.createStatement()) {
                                st.execute("ALTER TABLE " + Identifiers.q(table.name()) + " ADD COLUMN "
                                        + Identifiers.q(col.name()) + " " + col.sqliteType());
                            }
                        }
                    }
                }
                for (String ddl : table.sqliteDdl()) {
                    runDdl(ddl);
                }
            }
            setMeta(META_INSTRUCTIONS, Json.write(ai.raw()));
            setMeta(META_SCHEMA_VERSION, Long.toString(ai.schemaVersion()));
            return null;
        });
        synchronized (lock) {
            closeStatements();
            instructions = ai;
        }
    }

    private void runDdl(String ddl) throws SQLException {
        if (ddl.toLowerCase(java.util.Locale.ROOT).contains("_posduif_")) {
            throw new SQLException("server DDL may not touch the SDK's own tables: " + ddl);
        }
        String statement = idempotent(ddl);
        Savepoint sp = conn.setSavepoint();
        try (Statement st = conn.createStatement()) {
            st.execute(statement);
            conn.releaseSavepoint(sp);
        } catch (SQLException e) {
            String msg = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (msg.contains("already exists") || msg.contains("duplicate column")) {
                // DDL for something this device already has (e.g. a migration's ALTER run twice).
                conn.rollback(sp);
                return;
            }
            conn.rollback(sp);
            throw e;
        }
    }

    /** Lets a full schema's DDL be re-run on a device that already has most of it. */
    static String idempotent(String ddl) {
        String trimmed = ddl.strip();
        String upper = trimmed.toUpperCase(java.util.Locale.ROOT);
        if (upper.startsWith("CREATE TABLE ") && !upper.startsWith("CREATE TABLE IF NOT EXISTS")) {
            return "CREATE TABLE IF NOT EXISTS " + trimmed.substring("CREATE TABLE ".length());
        }
        if (upper.startsWith("CREATE INDEX ") && !upper.startsWith("CREATE INDEX IF NOT EXISTS")) {
            return "CREATE INDEX IF NOT EXISTS " + trimmed.substring("CREATE INDEX ".length());
        }
        if (upper.startsWith("CREATE UNIQUE INDEX ") && !upper.startsWith("CREATE UNIQUE INDEX IF NOT EXISTS")) {
            return "CREATE UNIQUE INDEX IF NOT EXISTS " + trimmed.substring("CREATE UNIQUE INDEX ".length());
        }
        return trimmed;
    }

    private Set<String> existingColumns(String table) throws SQLException {
        Set<String> names = new LinkedHashSet<>();
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA table_info(" + Identifiers.q(table) + ")")) {
            while (rs.next()) {
                names.add(rs.getString("name").toLowerCase(java.util.Locale.ROOT));
            }
        }
        return names;
    }

    TableDef table(String name) {
        AppInstructions ai = instructions;
        if (ai == null) {
            throw new LocalWriteException("NOT_ENROLLED", "no schema yet: enroll and fetch app-instructions first");
        }
        TableDef t = ai.table(name);
        if (t == null) {
            throw new LocalWriteException("UNKNOWN_TABLE", "table " + name + " is not in the device schema");
        }
        return t;
    }

    // ---------------------------------------------------------------- local writes

    enum WriteKind { INSERT, UPDATE, UPSERT, DELETE }

    /**
     * Applies one local write and, for mobile-synced tables, its outbox entry, in one transaction.
     * Returns false when a delete or update found no row (nothing written, nothing queued).
     */
    boolean write(String tableName, WriteKind kind, Map<String, ?> values) {
        TableDef t = table(tableName);
        // device_writable is about pushing: a mobile-only table is the device's own, whatever the flag says.
        if (t.synced() && !t.deviceWritable()) {
            throw new LocalWriteException("TABLE_READ_ONLY", "table " + tableName + " is read-only on devices");
        }
        ObjectNode row = normalize(t, values, kind != WriteKind.DELETE);
        ObjectNode pk = pkOf(t, row);
        List<String> changed = new ArrayList<>();
        row.fieldNames().forEachRemaining(f -> {
            if (!t.primaryKey().contains(f)) {
                changed.add(f);
            }
        });
        if (kind == WriteKind.UPDATE && changed.isEmpty()) {
            throw new LocalWriteException("VALIDATION_ERROR", "update of " + tableName + " changes no column");
        }
        return inTx(() -> {
            String clientTs = nextClientTs();
            boolean wrote;
            // a write that made the row is pushed as an insert: the server writes it without reading it first
            boolean created = false;
            switch (kind) {
                case INSERT -> {
                    insertRow(t, row, true);
                    wrote = true;
                    created = true;
                }
                case UPDATE -> wrote = updateRow(t, pk, row) > 0;
                case UPSERT -> {
                    wrote = true;
                    boolean present = changed.isEmpty() ? exists(t, pk) : updateRow(t, pk, row) > 0;
                    if (!present) {
                        insertRow(t, row, true);
                        created = true;
                    }
                }
                case DELETE -> wrote = deleteRow(t, pk) > 0;
                default -> throw new IllegalStateException();
            }
            if (!wrote) {
                return false;
            }
            if (t.synced()) {
                boolean delete = kind == WriteKind.DELETE;
                enqueue(t, delete ? "delete" : "upsert", created, pk, delete ? null : row, delete ? List.of() : changed, clientTs);
            }
            return true;
        });
    }

    /**
     * Strictly increasing per device: two writes in one millisecond must not tie, because the
     * server breaks client_ts ties by op_id, which older SDKs drew at random, so a tie could let
     * the earlier write win.
     */
    private String nextClientTs() throws SQLException {
        if (lastClientTsMillis < 0) {
            lastClientTsMillis = 0;
            try (Statement st = conn.createStatement();
                 ResultSet rs = st.executeQuery("SELECT max(client_ts) FROM _posduif_outbox")) {
                if (rs.next() && rs.getString(1) != null) {
                    lastClientTsMillis = Instant.parse(rs.getString(1)).toEpochMilli();
                }
            }
        }
        lastClientTsMillis = Math.max(System.currentTimeMillis(), lastClientTsMillis + 1);
        return Json.timestamp(Instant.ofEpochMilli(lastClientTsMillis));
    }

    private ObjectNode normalize(TableDef t, Map<String, ?> values, boolean full) {
        ObjectNode row = Json.object();
        for (Map.Entry<String, ?> e : values.entrySet()) {
            ColumnDef col = t.columns().get(e.getKey());
            if (col == null) {
                throw new LocalWriteException("UNKNOWN_COLUMN", "table " + t.name() + " has no column " + e.getKey());
            }
            if (!full && !col.primaryKey()) {
                continue; // a delete needs only the key
            }
            if (col.serverOwned() && !col.primaryKey()) {
                throw new LocalWriteException("SERVER_OWNED_COLUMN", "column " + t.name() + "." + col.name() + " is owned by the server");
            }
            JsonNode v = e.getValue() instanceof JsonNode n ? n : Json.MAPPER.valueToTree(e.getValue());
            row.set(col.name(), SqlValues.canonical(col, v));
        }
        return row;
    }

    private static ObjectNode pkOf(TableDef t, JsonNode row) {
        ObjectNode pk = Json.object();
        for (String p : t.primaryKey()) {
            JsonNode v = row.get(p);
            if (v == null || v.isNull()) {
                throw new LocalWriteException("PK_MISMATCH", "primary key column " + t.name() + "." + p + " is missing");
            }
            pk.set(p, v);
        }
        if (t.primaryKey().isEmpty()) {
            throw new LocalWriteException("PK_MISMATCH", "table " + t.name() + " has no primary key");
        }
        return pk;
    }

    /** The outbox's row identity: primary-key values in key order, canonical JSON. */
    private static String pkKey(TableDef t, JsonNode pk) {
        ArrayNode key = Json.MAPPER.createArrayNode();
        for (String p : t.primaryKey()) {
            ColumnDef col = t.columns().get(p);
            JsonNode v = pk.get(p);
            key.add(col == null || v == null ? v : SqlValues.canonical(col, v));
        }
        return key.toString();
    }

    private void enqueue(TableDef t, String op, boolean created, ObjectNode pk, ObjectNode data, List<String> changed, String clientTs)
            throws SQLException {
        PreparedStatement ps = prepare("INSERT INTO _posduif_outbox (op_id, table_name, op, pk_key, pk, data, changed_fields, client_ts, created)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        ps.setString(1, opIds.next());
        ps.setString(2, t.name());
        ps.setString(3, op);
        ps.setString(4, pkKey(t, pk));
        ps.setString(5, pk.toString());
        ps.setString(6, data == null ? null : data.toString());
        ps.setString(7, Json.write(changed));
        ps.setString(8, clientTs);
        ps.setInt(9, created ? 1 : 0);
        ps.executeUpdate();
    }

    private void insertRow(TableDef t, JsonNode row, boolean userWrite) throws SQLException {
        List<String> cols = knownColumns(t, row);
        String sql = "INSERT INTO " + Identifiers.q(t.name()) + " ("
                + cols.stream().map(Identifiers::q).collect(Collectors.joining(", ")) + ") VALUES ("
                + cols.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";
        PreparedStatement ps = prepare(sql);
        bind(ps, 1, t, cols, row);
        try {
            ps.executeUpdate();
        } catch (SQLException e) {
            if (userWrite && String.valueOf(e.getMessage()).contains("CONSTRAINT")) {
                throw new LocalWriteException("CONSTRAINT", e.getMessage(), e);
            }
            throw e;
        }
    }

    private int updateRow(TableDef t, JsonNode pk, JsonNode row) throws SQLException {
        List<String> cols = knownColumns(t, row).stream().filter(c -> !t.primaryKey().contains(c)).toList();
        if (cols.isEmpty()) {
            return exists(t, pk) ? 1 : 0;
        }
        String sql = "UPDATE " + Identifiers.q(t.name()) + " SET "
                + cols.stream().map(c -> Identifiers.q(c) + " = ?").collect(Collectors.joining(", "))
                + " WHERE " + pkWhere(t);
        PreparedStatement ps = prepare(sql);
        int next = bind(ps, 1, t, cols, row);
        bind(ps, next, t, t.primaryKey(), pk);
        try {
            return ps.executeUpdate();
        } catch (SQLException e) {
            if (String.valueOf(e.getMessage()).contains("CONSTRAINT")) {
                throw new LocalWriteException("CONSTRAINT", e.getMessage(), e);
            }
            throw e;
        }
    }

    private boolean exists(TableDef t, JsonNode pk) throws SQLException {
        PreparedStatement ps = prepare("SELECT 1 FROM " + Identifiers.q(t.name()) + " WHERE " + pkWhere(t));
        bind(ps, 1, t, t.primaryKey(), pk);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    private int deleteRow(TableDef t, JsonNode pk) throws SQLException {
        PreparedStatement ps = prepare("DELETE FROM " + Identifiers.q(t.name()) + " WHERE " + pkWhere(t));
        bind(ps, 1, t, t.primaryKey(), pk);
        return ps.executeUpdate();
    }

    /** A server row replaces the local one: insert, or overwrite every column it carries. */
    private void upsertServerRow(TableDef t, JsonNode row) throws SQLException {
        List<String> cols = knownColumns(t, row);
        List<String> nonPk = cols.stream().filter(c -> !t.primaryKey().contains(c)).toList();
        String sql = "INSERT INTO " + Identifiers.q(t.name()) + " ("
                + cols.stream().map(Identifiers::q).collect(Collectors.joining(", ")) + ") VALUES ("
                + cols.stream().map(c -> "?").collect(Collectors.joining(", ")) + ") ON CONFLICT ("
                + t.primaryKey().stream().map(Identifiers::q).collect(Collectors.joining(", ")) + ") DO "
                + (nonPk.isEmpty() ? "NOTHING" : "UPDATE SET "
                + nonPk.stream().map(c -> Identifiers.q(c) + " = excluded." + Identifiers.q(c)).collect(Collectors.joining(", ")));
        PreparedStatement ps = prepare(sql);
        bind(ps, 1, t, cols, row);
        ps.executeUpdate();
    }

    private static String pkWhere(TableDef t) {
        return t.primaryKey().stream().map(c -> Identifiers.q(c) + " = ?").collect(Collectors.joining(" AND "));
    }

    /** Columns of {@code row} the local table knows; a newer server's extra columns wait for the schema refresh. */
    private static List<String> knownColumns(TableDef t, JsonNode row) {
        List<String> cols = new ArrayList<>();
        Iterator<String> it = row.fieldNames();
        while (it.hasNext()) {
            String f = it.next();
            if (t.columns().containsKey(f)) {
                cols.add(f);
            }
        }
        return cols;
    }

    private static int bind(PreparedStatement ps, int start, TableDef t, List<String> cols, JsonNode row) throws SQLException {
        int i = start;
        for (String c : cols) {
            ps.setObject(i++, SqlValues.toSql(t.columns().get(c), row.get(c)));
        }
        return i;
    }

    // ---------------------------------------------------------------- outbox

    record OutboxOp(long seq, String opId, String table, String op, String pkKey, JsonNode pk, JsonNode data,
                    JsonNode changedFields, String clientTs) {
        ObjectNode wire() {
            ObjectNode n = Json.object();
            n.put("op_id", opId);
            n.put("table", table);
            n.put("op", op);
            n.set("pk", pk);
            if (data != null) {
                n.set("data", data);
            }
            n.set("changed_fields", changedFields);
            n.put("client_ts", clientTs);
            return n;
        }
    }

    List<OutboxOp> outboxBatch(int limit) {
        synchronized (lock) {
            try {
                // the wire's op: an upsert that made the row locally is an insert
                PreparedStatement ps = prepare("SELECT seq, op_id, table_name, CASE WHEN created = 1 AND op = 'upsert' THEN 'insert' ELSE op END,"
                        + " pk_key, pk, data, changed_fields, client_ts FROM _posduif_outbox ORDER BY seq LIMIT ?");
                ps.setInt(1, limit);
                List<OutboxOp> ops = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String data = rs.getString(7);
                        ops.add(new OutboxOp(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), Json.parse(rs.getString(6)), data == null ? null : Json.parse(data),
                                Json.parse(rs.getString(8)), rs.getString(9)));
                    }
                }
                return ops;
            } catch (SQLException e) {
                throw new LocalStoreException(e);
            }
        }
    }

    int outboxSize() {
        synchronized (lock) {
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM _posduif_outbox")) {
                rs.next();
                return rs.getInt(1);
            } catch (SQLException e) {
                throw new LocalStoreException(e);
            }
        }
    }

    /**
     * Removes acknowledged operations; a conflict's {@code server_row} (the version the server
     * kept) replaces the local row, with still-pending later writes re-applied on top.
     */
    void acknowledge(List<OutboxOp> sent, Map<String, JsonNode> resultsByOpId) {
        inTx(() -> {
            PreparedStatement del = prepare("DELETE FROM _posduif_outbox WHERE op_id = ?");
            for (OutboxOp op : sent) {
                JsonNode result = resultsByOpId.get(op.opId());
                if (result == null) {
                    continue;
                }
                del.setString(1, op.opId());
                del.executeUpdate();
                JsonNode serverRow = result.get("server_row");
                AppInstructions ai = instructions;
                TableDef t = ai == null ? null : ai.table(op.table());
                String status = result.path("status").asText();
                if ("conflict".equals(status) && serverRow != null && serverRow.isObject() && t != null) {
                    upsertServerRow(t, serverRow);
                    rebase(t, op.pkKey());
                } else if ("conflict".equals(status) && serverRow != null && serverRow.isNull() && t != null) {
                    // The server kept a delete (a newer tombstone): the row is gone there.
                    deleteRow(t, op.pk());
                    rebase(t, op.pkKey());
                } else if ("rejected".equals(status) || "conflict".equals(status)
                        || "duplicate".equals(status) && !"applied".equals(result.path("original_status").asText("unknown"))) {
                    // (A duplicate whose first answer was lost may hide a conflict or rejection.)
                    // The local row shows a write the server did not take, and the server's version
                    // will not come back by itself: re-bootstrap on the next pull.
                    setMeta(META_RESYNC, "1");
                }
            }
            return null;
        });
    }

    /** Re-applies the pending local operations of one row on top of what the server said. */
    private void rebase(TableDef t, String pkKey) throws SQLException {
        PreparedStatement ps = prepare("SELECT op, pk, data FROM _posduif_outbox WHERE table_name = ? AND pk_key = ? ORDER BY seq");
        ps.setString(1, t.name());
        ps.setString(2, pkKey);
        List<String[]> pending = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                pending.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        for (String[] p : pending) {
            JsonNode pk = Json.parse(p[1]);
            if ("delete".equals(p[0])) {
                deleteRow(t, pk);
                continue;
            }
            JsonNode data = Json.parse(p[2]);
            if (updateRow(t, pk, data) == 0) {
                // The row is gone on the server; a partial update cannot recreate it, an insert can.
                Savepoint sp = conn.setSavepoint();
                try {
                    insertRow(t, data, false);
                    conn.releaseSavepoint(sp);
                } catch (SQLException e) {
                    conn.rollback(sp);
                }
            }
        }
    }

    // ---------------------------------------------------------------- pull

    /** Applies one pulled page and stores its cursor in the same transaction: all of it or none. */
    int applyPage(JsonNode changes, String cursor) {
        return inTx(() -> {
            int applied = 0;
            AppInstructions ai = instructions;
            for (JsonNode change : changes) {
                TableDef t = ai == null ? null : ai.table(change.path("table").asText());
                if (t == null || !t.synced()) {
                    continue; // a table this schema version does not have
                }
                JsonNode pk = change.path("pk");
                if ("delete".equals(change.path("op").asText())) {
                    deleteRow(t, pk);
                } else {
                    JsonNode data = change.path("data").isObject() ? change.get("data") : pk;
                    ObjectNode row = data.deepCopy();
                    pk.fields().forEachRemaining(e -> row.set(e.getKey(), e.getValue()));
                    upsertServerRow(t, row);
                }
                rebase(t, pkKey(t, pk));
                applied++;
            }
            setMeta(META_CURSOR, cursor);
            return applied;
        });
    }

    /**
     * {@code RESET_REQUIRED}: forget the synced tables' rows and the cursor, keep the outbox, and
     * re-apply it so the app still sees its own pending writes while the device re-bootstraps.
     */
    void resetSynced() {
        inTx(() -> {
            AppInstructions ai = instructions;
            if (ai != null) {
                for (TableDef t : ai.tables().values()) {
                    if (t.synced()) {
                        try (Statement st = conn.createStatement()) {
                            st.execute("DELETE FROM " + Identifiers.q(t.name()));
                        }
                    }
                }
                List<String[]> keys = new ArrayList<>();
                try (Statement st = conn.createStatement();
                     ResultSet rs = st.executeQuery("SELECT table_name, pk_key FROM _posduif_outbox GROUP BY table_name, pk_key ORDER BY min(seq)")) {
                    while (rs.next()) {
                        keys.add(new String[] {rs.getString(1), rs.getString(2)});
                    }
                }
                for (String[] k : keys) {
                    TableDef t = ai.table(k[0]);
                    if (t != null && t.synced()) {
                        rebase(t, k[1]);
                    }
                }
            }
            setMeta(META_CURSOR, null);
            setMeta(META_RESYNC, null);
            return null;
        });
    }

    boolean resyncRequired() {
        return meta(META_RESYNC) != null;
    }

    // ---------------------------------------------------------------- reads

    /** Every row of a table in wire form (booleans, json, base64 blobs), ordered by primary key. */
    List<ObjectNode> rows(String tableName) {
        TableDef t = table(tableName);
        String order = t.primaryKey().isEmpty() ? "rowid" : t.primaryKey().stream().map(Identifiers::q).collect(Collectors.joining(", "));
        List<String> cols = new ArrayList<>(t.columns().keySet());
        String sql = "SELECT " + cols.stream().map(Identifiers::q).collect(Collectors.joining(", "))
                + " FROM " + Identifiers.q(t.name()) + " ORDER BY " + order;
        synchronized (lock) {
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                List<ObjectNode> out = new ArrayList<>();
                while (rs.next()) {
                    ObjectNode row = Json.object();
                    for (int i = 0; i < cols.size(); i++) {
                        row.set(cols.get(i), SqlValues.fromSql(t.columns().get(cols.get(i)), rs.getObject(i + 1)));
                    }
                    out.add(row);
                }
                return out;
            } catch (SQLException e) {
                throw new LocalStoreException(e);
            }
        }
    }

    /** Raw read-only SQL for apps; values are SQLite's (booleans are 0/1, json is text). */
    List<Map<String, Object>> query(String sql, Object... args) {
        synchronized (lock) {
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                List<Map<String, Object>> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            row.put(md.getColumnLabel(i), rs.getObject(i));
                        }
                        out.add(row);
                    }
                }
                return out;
            } catch (SQLException e) {
                throw new LocalStoreException(e);
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closeStatements();
            try {
                conn.close();
            } catch (SQLException e) {
                throw new LocalStoreException(e);
            }
        }
    }
}

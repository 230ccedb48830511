package io.posduif.functions.sync;

import io.micronaut.context.annotation.Value;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.TenantSchema;
import jakarta.inject.Singleton;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.Set;

@Singleton
class StatusService {

    private static final int COUNT_CAP = 10_000;

    private final Db db;
    private final TenantSchemas schemas;
    private final Scopes scopes;
    private final byte[] cursorKey;

    StatusService(Db db, TenantSchemas schemas, Scopes scopes, SyncConfig config,
                  @Value("${micronaut.security.token.jwt.signatures.secret.generator.secret}") String jwtSecret) {
        this.db = db;
        this.schemas = schemas;
        this.scopes = scopes;
        this.cursorKey = Cursor.key(config.cursorKey() != null ? config.cursorKey() : jwtSecret);
    }

    SyncStatus status(Caller caller) {
        TenantSchema schema = schemas.current(caller.tenant());
        String s = caller.tenant().schema();
        return db.withConnection(c -> {
            Set<String> buckets = scopes.bucketsOfPrincipal(schema, scopes.principalParams(c, caller));
            try (PreparedStatement ps = c.prepareStatement("SELECT st.log_id, d.cursor_txid::text, d.cursor_seq, d.last_pull_at, "
                    + "(SELECT count(*) FROM (SELECT 1 FROM " + Sql.q(s, "posduif_change_scope") + " cs "
                    + "  WHERE cs.bucket = ANY (?::text[]) AND (cs.txid, cs.seq) > (coalesce(d.cursor_txid, '0'::xid8), coalesce(d.cursor_seq, 0)) "
                    + "  LIMIT " + COUNT_CAP + ") x) "
                    + "FROM " + Sql.q(s, "posduif_sync_state") + " st LEFT JOIN " + Sql.q(s, "posduif_sync_devices")
                    + " d ON d.device_id = ?")) {
                ps.setArray(1, c.createArrayOf("text", buckets.toArray()));
                ps.setString(2, caller.deviceId());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long logId = rs.getLong(1);
                    String txid = rs.getString(2);
                    Timestamp lastPull = rs.getTimestamp(4);
                    long pending = rs.getLong(5);
                    Cursor cursor = txid == null ? Cursor.start(logId)
                            : new Cursor(logId, Long.parseUnsignedLong(txid), rs.getLong(3));
                    String state = lastPull == null ? "never" : pending == 0 ? "idle" : "pending";
                    return new SyncStatus(caller.deviceId(),
                            lastPull == null ? null : ColumnType.WIRE_TIMESTAMP.format(lastPull.toInstant()),
                            pending, state, cursor.encode(cursorKey), schema.version());
                }
            }
        });
    }
}

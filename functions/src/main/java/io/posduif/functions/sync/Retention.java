package io.posduif.functions.sync;

import io.micronaut.scheduling.annotation.Scheduled;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;

/**
 * Tombstone retention: deletes and "left this bucket" removals older than
 * {@code posduif.sync.tombstone-retention} are dropped from the log, and the horizon moves to
 * the newest position dropped. A device whose cursor is below the horizon may have missed one of
 * them, so it gets {@code RESET_REQUIRED} and re-bootstraps.
 *
 * <p>Superseded entries need no job: capture replaces a row's entry on every write.
 * On Lambda the schedule does not run; invoke {@link #purge} from a scheduled rule instead.
 */
@Singleton
public class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    private final Db db;
    private final Tenants tenants;
    private final SyncConfig config;

    Retention(Db db, Tenants tenants, SyncConfig config) {
        this.db = db;
        this.tenants = tenants;
        this.config = config;
    }

    @Scheduled(fixedDelay = "${posduif.sync.purge-interval:10m}", initialDelay = "1m")
    void purgeAll() {
        for (Tenants.TenantInfo t : tenants.list()) {
            try {
                purge(new TenantId(t.id()), config.tombstoneRetention());
            } catch (RuntimeException e) {
                LOG.warn("retention purge of tenant {} failed: {}", t.id(), e.getMessage());
            }
        }
    }

    /** Purges entries older than {@code retention}; returns how many entries were touched. */
    public int purge(TenantId tenant, Duration retention) {
        String s = tenant.schema();
        String sql = "WITH old AS (SELECT txid, seq, deleted, removed FROM " + Sql.q(s, "posduif_changes")
                + "  WHERE (deleted OR removed <> '{}') AND changed_at < ? FOR UPDATE), "
                + "ds AS (DELETE FROM " + Sql.q(s, "posduif_change_scope") + " cs USING old "
                + "  WHERE cs.txid = old.txid AND cs.seq = old.seq AND (old.deleted OR cs.bucket = ANY (old.removed))), "
                + "dc AS (DELETE FROM " + Sql.q(s, "posduif_changes") + " c USING old "
                + "  WHERE c.txid = old.txid AND c.seq = old.seq AND old.deleted), "
                + "uc AS (UPDATE " + Sql.q(s, "posduif_changes") + " c SET removed = '{}' FROM old "
                + "  WHERE c.txid = old.txid AND c.seq = old.seq AND NOT old.deleted), "
                + "mx AS (SELECT txid, seq FROM old ORDER BY txid DESC, seq DESC LIMIT 1), "
                + "h AS (UPDATE " + Sql.q(s, "posduif_sync_state") + " st SET horizon_txid = mx.txid, horizon_seq = mx.seq "
                + "  FROM mx WHERE (mx.txid, mx.seq) > (st.horizon_txid, st.horizon_seq)) "
                + "SELECT count(*) FROM old";
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setTimestamp(1, Timestamp.from(Instant.now().minus(retention)));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }
}

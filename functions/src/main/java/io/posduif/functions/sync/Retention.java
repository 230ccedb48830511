package io.posduif.functions.sync;

import io.micronaut.runtime.event.annotation.EventListener;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tombstone retention: deletes and "left this bucket" removals older than
 * {@code posduif.sync.tombstone-retention} are dropped from the log, and the horizon moves to
 * the newest position dropped. A device whose cursor is below the horizon may have missed one of
 * them, so it gets {@code RESET_REQUIRED} and re-bootstraps.
 *
 * <p>Superseded entries need no job: capture replaces a row's entry on every write.
 *
 * <p>Two triggers, because functions also runs on Lambda, where nothing runs between requests
 * and a timer is frozen with the instance: the schedule below (long-running servers), and every
 * pull, which purges its tenant when this instance has not done so for a purge interval. The
 * latter needs no scheduler, no extra infrastructure and no bookkeeping table; with several
 * instances each purges once per interval, which is harmless (idempotent, and cheap when there
 * is nothing to purge thanks to the partial index on tombstones). A purge inside a request is
 * bounded ({@value #BATCH} entries per statement, {@value #BUDGET_MS} ms); a backlog continues
 * on the next pull instead of delaying this one.
 */
@Singleton
public class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    static final int BATCH = 5_000;
    static final long BUDGET_MS = 250;
    /** A backlog is resumed this soon rather than after a whole interval. */
    private static final Duration BACKLOG_RETRY = Duration.ofSeconds(1);

    /** Per tenant: when this instance purges it next (absent: at the next pull). */
    private final Map<String, Instant> nextPurge = new ConcurrentHashMap<>();

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

    /** A pull is about to be served: purge its tenant if this instance's interval has passed. */
    @EventListener
    void onPullRequested(PullRequested e) {
        TenantId tenant = e.device().tenant();
        Instant now = Instant.now();
        Instant due = nextPurge.get(tenant.value());
        if (due != null && now.isBefore(due)) {
            return;
        }
        // one pull per instance and tenant does it; concurrent pulls go on unhindered
        if (due == null ? nextPurge.putIfAbsent(tenant.value(), now.plus(config.purgeInterval())) != null
                : !nextPurge.replace(tenant.value(), due, now.plus(config.purgeInterval()))) {
            return;
        }
        try {
            long start = System.nanoTime();
            int n;
            do {
                n = purge(tenant, config.tombstoneRetention(), BATCH);
            } while (n == BATCH && (System.nanoTime() - start) / 1_000_000 < BUDGET_MS);
            if (n == BATCH) {
                nextPurge.put(tenant.value(), now.plus(BACKLOG_RETRY));
            }
        } catch (RuntimeException ex) {
            // the pull must not fail for housekeeping; the next interval tries again
            LOG.warn("retention purge of tenant {} failed: {}", tenant.value(), ex.getMessage());
        }
    }

    /** Purges every entry older than {@code retention}; returns how many entries were touched. */
    public int purge(TenantId tenant, Duration retention) {
        int total = 0;
        int n;
        do {
            n = purge(tenant, retention, BATCH);
            total += n;
        } while (n == BATCH);
        return total;
    }

    /**
     * Purges at most {@code limit} of the oldest entries older than {@code retention}, in one
     * transaction. Entries locked by a running write are skipped, not waited for: that write is
     * replacing them anyway, and waiting could deadlock with a push holding other entries.
     */
    int purge(TenantId tenant, Duration retention, int limit) {
        String s = tenant.schema();
        String sql = "WITH old AS (SELECT txid, seq, deleted, removed FROM " + Sql.q(s, "posduif_changes")
                + "  WHERE (deleted OR removed <> '{}') AND changed_at < ? ORDER BY changed_at LIMIT ? FOR UPDATE SKIP LOCKED), "
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
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }
}

package io.posduif.relay.outofband;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.posduif.protocol.RealtimeStream;
import io.lettuce.core.RedisFuture;
import io.posduif.relay.RelayConfig;
import io.posduif.relay.RelayExecutors;
import io.posduif.relay.presence.Presence;
import io.posduif.relay.stream.RedisStreams;
import io.posduif.relay.tenant.TenantDirectory;
import jakarta.annotation.PreDestroy;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Publishes changes made outside functions (plain SQL on a synced table), so that they reach
 * devices too.
 *
 * <p>The capture trigger queues the touched scope keys in {@code posduif_realtime_pending} and
 * sends {@code NOTIFY posduif_changes}. Exactly one relay per tenant drains that queue: the one
 * holding the tenant's session-level advisory lock on its own PostgreSQL connection. If that
 * relay dies, its session ends, the lock is free, and another relay takes the tenant over at its
 * next check. Draining deletes the keys and XADDs {@code sync_required} in one transaction
 * (rolled back if Redis fails), so nothing queued is lost across restarts; a crash between XADD
 * and commit only repeats an event. Only transactions below {@code pg_snapshot_xmin} are
 * drained: their changes are already visible to pull.
 *
 * <p>The leader also trims the tenant's stream by age and marks devices offline whose relay
 * stopped refreshing them. That housekeeping runs on its own thread, with its own Redis and
 * pooled PostgreSQL connections, never on the leader thread or its connection: a slow sweep
 * (an UPDATE over every device of the tenant) used to hold up every notification behind it.
 * It needs no lock of its own: trimming and sweeping are idempotent, so the rare overlap with a
 * relay that just lost or took a tenant over does no harm.
 */
@Context
public class OutOfBandPublisher implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(OutOfBandPublisher.class);
    private static final int BUCKETS_PER_EVENT = 500;
    private static final long HOUSEKEEPING_MS = 30_000;
    private static final long FIRST_RETRY_MS = 2;
    /** Retries stay this close together for the first {@link #SHORT_HOLD_MS} of a hold. */
    private static final long SHORT_RETRY_MS = 8;
    private static final long SHORT_HOLD_MS = 250;
    private static final long MAX_RETRY_MS = 100;

    private final TenantDirectory tenants;
    private final RedisStreams redis;
    private final Presence presence;
    private final RelayConfig config;
    private final String url;
    private final String user;
    private final String password;
    private final Counter published;
    private final Counter heldBack;
    private final Thread thread;
    private final ScheduledExecutorService housekeeper = Executors.newSingleThreadScheduledExecutor(RelayExecutors.named("posduif-relay-housekeeping"));
    private final Set<String> led = new TreeSet<>();
    private final Set<String> dirty = new LinkedHashSet<>();
    /** The drain statement per tenant, prepared once per connection (server-side after pgjdbc's threshold: no re-planning per change). */
    private final Map<String, PreparedStatement> drains = new HashMap<>();
    private volatile Set<String> ledView = Set.of();
    private volatile boolean running = true;
    private Connection connection;
    private long nextLeaderCheck;
    private long retryMs = FIRST_RETRY_MS;
    private long heldSince;

    OutOfBandPublisher(TenantDirectory tenants, RedisStreams redis, Presence presence, RelayConfig config, MeterRegistry meters,
                       @Value("${datasources.default.url}") String url,
                       @Value("${datasources.default.username}") String user,
                       @Value("${datasources.default.password}") String password) {
        this.tenants = tenants;
        this.redis = redis;
        this.presence = presence;
        this.config = config;
        this.url = url;
        this.user = user;
        this.password = password;
        this.published = Counter.builder("posduif.relay.outofband.published").description("sync_required events for changes made outside functions").register(meters);
        this.heldBack = Counter.builder("posduif.relay.outofband.held.back")
                .description("drains that left changes queued behind an older open transaction (each one costs a retry)").register(meters);
        this.thread = new Thread(this, "posduif-relay-leader");
        thread.setDaemon(true);
        thread.start();
        housekeeper.scheduleWithFixedDelay(this::housekeeping, HOUSEKEEPING_MS, HOUSEKEEPING_MS, TimeUnit.MILLISECONDS);
    }

    /** Tenants this relay currently leads. */
    public Set<String> led() {
        return ledView;
    }

    @Override
    public void run() {
        while (running) {
            try {
                if (connection == null) {
                    connect();
                }
                long now = System.nanoTime();
                if (now - nextLeaderCheck >= 0) {
                    nextLeaderCheck = now + config.leaderCheck().toNanos();
                    acquire();
                }
                // Entries held back by an older open transaction become drainable when it ends,
                // which sends no notification: retry soon instead of a fixed 200 ms, which used to
                // be added to every change that met a concurrent transaction (presence updates,
                // other writers). Most holds are a few ms, so retries stay ≤ 8 ms apart for the
                // first 250 ms (at most 8 ms added); only a long transaction backs off to 100 ms.
                // The wait returns as soon as a notification arrives on the socket.
                PGNotification[] ns = connection.unwrap(PGConnection.class).getNotifications(dirty.isEmpty() ? 500 : (int) retryMs);
                if (ns != null) {
                    for (PGNotification n : ns) {
                        String p = n.getParameter();
                        if (p != null && p.startsWith("tenant_") && led.contains(p.substring(7))) {
                            dirty.add(p.substring(7));
                        }
                    }
                }
                for (String t : List.copyOf(dirty)) {
                    if (!drain(t)) {
                        dirty.remove(t);
                    }
                }
                backOff(System.nanoTime());
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("out-of-band publisher lost PostgreSQL ({}); giving up leadership and retrying", e.toString());
                closeQuietly();
                sleep(1000);
            }
        }
        closeQuietly();
    }

    private void backOff(long now) {
        if (dirty.isEmpty()) {
            retryMs = FIRST_RETRY_MS;
            heldSince = 0;
            return;
        }
        if (heldSince == 0) {
            heldSince = now;
        }
        long cap = now - heldSince < TimeUnit.MILLISECONDS.toNanos(SHORT_HOLD_MS) ? SHORT_RETRY_MS : MAX_RETRY_MS;
        retryMs = Math.min(cap, retryMs * 2);
    }

    private void connect() throws SQLException {
        connection = DriverManager.getConnection(url, user, password);
        connection.setAutoCommit(true);
        try (Statement s = connection.createStatement()) {
            // listen first: a change committed between a drain and LISTEN would otherwise wait for the next one
            s.execute("LISTEN " + RealtimeStream.NOTIFY_CHANNEL);
        }
        led.clear();
        dirty.clear();
        drains.clear();
        ledView = Set.of();
    }

    private void acquire() throws SQLException {
        Set<String> all = tenants.all().isEmpty() ? tenants.refresh() : tenants.all();
        List<String> free = new ArrayList<>();
        for (String t : all) {
            if (!led.contains(t)) {
                free.add(t);
            }
        }
        if (free.isEmpty()) {
            return;
        }
        // One round trip for all tenants nobody here leads (with two relays, half of them at
        // every check), not one per tenant on the leader thread.
        List<String> taken = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT t FROM unnest(?::text[]) AS t WHERE pg_try_advisory_lock(hashtext('posduif.relay.leader'), hashtext(t))")) {
            ps.setArray(1, connection.createArrayOf("text", free.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    taken.add(rs.getString(1));
                }
            }
        }
        for (String t : taken) {
            led.add(t);
            dirty.add(t); // publish whatever was queued while nobody led
            LOG.info("leading tenant {} (out-of-band changes, trimming, presence sweep)", t);
        }
        ledView = Set.copyOf(led);
        if (!taken.isEmpty()) {
            housekeeper.execute(() -> taken.forEach(this::housekeeping));
        }
    }

    /** Publishes the tenant's drainable queue; true if entries remain (held back by an older transaction). */
    boolean drain(String tenant) throws SQLException {
        String table = "\"" + TenantDirectory.schema(tenant) + "\".\"posduif_realtime_pending\"";
        connection.setAutoCommit(false);
        boolean remaining = false;
        try {
            Set<String> buckets = new TreeSet<>();
            // One round trip takes the drainable keys and says whether visible ones are held back
            // (committed, but behind an older open transaction: they need a retry, as that
            // transaction's end sends no notification). Keys committed later notify by themselves.
            // Every round trip here is on the plain-SQL path's latency.
            PreparedStatement ps = drains.get(tenant);
            if (ps == null) {
                ps = connection.prepareStatement("WITH x AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),"
                        + " d AS (DELETE FROM " + table + " p USING x WHERE p.txid < x.xmin RETURNING p.bucket)"
                        + " SELECT d.bucket, false FROM d"
                        + " UNION ALL SELECT NULL, true FROM x WHERE EXISTS (SELECT 1 FROM " + table + " h WHERE h.txid >= x.xmin)");
                drains.put(tenant, ps);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(2)) {
                        remaining = true;
                    } else {
                        buckets.add(rs.getString(1));
                    }
                }
            }
            if (!buckets.isEmpty()) {
                List<String> all = new ArrayList<>(buckets);
                List<Set<String>> chunks = new ArrayList<>();
                for (int i = 0; i < all.size(); i += BUCKETS_PER_EVENT) {
                    chunks.add(new LinkedHashSet<>(all.subList(i, Math.min(all.size(), i + BUCKETS_PER_EVENT))));
                }
                try {
                    // all chunks in flight at once; the DELETE commits only if every XADD did
                    for (RedisFuture<String> f : redis.publishSyncRequired(tenant, chunks)) {
                        f.get(2, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    connection.rollback();
                    LOG.warn("out-of-band changes of tenant {} not published yet (Redis: {}); kept for the next attempt", tenant, e.toString());
                    sleep(500);
                    return true;
                }
                published.increment(chunks.size());
            }
            connection.commit();
            if (remaining) {
                heldBack.increment();
            }
        } catch (SQLException e) {
            connection.rollback();
            closeQuietly(drains.remove(tenant)); // a dropped or recreated table invalidates it
            if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) {
                return false; // tenant dropped, or not migrated yet
            }
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
        return remaining;
    }

    /** On the housekeeping thread: the tenants led at this moment (a snapshot, never the leader's set). */
    private void housekeeping() {
        try {
            for (String t : ledView) {
                housekeeping(t);
            }
        } catch (RuntimeException e) {
            LOG.warn("housekeeping failed: {}", e.toString()); // a periodic task that throws is never run again
        }
    }

    private void housekeeping(String t) {
        {
            try {
                redis.trimByAge(t);
            } catch (RuntimeException e) {
                LOG.debug("trim of {} failed: {}", t, e.toString());
            }
            try {
                presence.sweepStale(t);
            } catch (SQLException | RuntimeException e) {
                LOG.debug("presence sweep of {} failed: {}", t, e.toString());
            }
        }
    }

    private static void closeQuietly(PreparedStatement ps) {
        if (ps != null) {
            try {
                ps.close();
            } catch (SQLException ignored) {
                // its connection is gone already
            }
        }
    }

    private void closeQuietly() {
        drains.clear(); // closed with their connection
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // gone already
            }
        }
        connection = null;
        led.clear();
        dirty.clear();
        ledView = Set.of();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @PreDestroy
    void stop() {
        housekeeper.shutdownNow();
        running = false;
        thread.interrupt();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

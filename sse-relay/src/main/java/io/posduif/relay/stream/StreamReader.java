package io.posduif.relay.stream;

import io.lettuce.core.StreamMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.posduif.relay.RelayConfig;
import io.posduif.relay.sse.Hub;
import io.posduif.relay.tenant.TenantDirectory;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Reads every tenant's stream with one blocking {@code XREAD} at a time and hands each entry to
 * the {@link Hub}. Each relay reads everything (fan-out): no consumer group, so two relays both
 * deliver, each to its own clients.
 *
 * <p>The reply is dispatched right where Lettuce completes it, on Lettuce's I/O thread: routing
 * only submits one task per event loop, so it never blocks there, and the notification skips a
 * wake-up of this thread (one thread hand-off fewer between Redis and the client's socket; on a
 * busy machine every hand-off is a chance to wait for a CPU). This thread only prepares the next
 * read (new tenants, which may touch PostgreSQL) and handles failures.
 *
 * <p>When reads fail (Redis down) the loop retries every second; once they succeed again every
 * open stream gets {@code reset}, because events published meanwhile may have been dropped.
 */
@Context
public class StreamReader implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamReader.class);

    private final RedisStreams redis;
    private final Hub hub;
    private final TenantDirectory tenants;
    private final RelayConfig config;
    private final Counter failures;
    /**
     * Read position per tenant. Touched by this thread between reads and by the reply's callback
     * while this thread waits for it; the future's completion orders the two.
     */
    private final Map<String, StreamId> positions = new HashMap<>();
    /** Tenants whose first stream opened before the periodic refresh saw them, with their start ids. */
    private final Map<String, StreamId> requested = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Set<String> watching = Set.of();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean healthy;
    private volatile boolean failing;
    private long nextTenantRefresh;

    StreamReader(RedisStreams redis, Hub hub, TenantDirectory tenants, RelayConfig config, MeterRegistry meters) {
        this.redis = redis;
        this.hub = hub;
        this.tenants = tenants;
        this.config = config;
        this.failures = Counter.builder("posduif.relay.stream.read.failures").description("failed XREAD calls (Redis down)").register(meters);
        this.thread = new Thread(this, "posduif-stream-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Makes sure the tenant's stream is read, from its current end, before the first stream of a
     * tenant created after the last refresh opens (so its first events are not skipped).
     */
    public void watch(String tenant) {
        if (!watching.contains(tenant) && !requested.containsKey(tenant)) {
            requested.putIfAbsent(tenant, redis.lastId(tenant));
        }
    }

    /** True while the last read succeeded. */
    public boolean healthy() {
        return healthy;
    }

    @Override
    public void run() {
        while (running) {
            try {
                // streams asked for by a connection first: their start id was taken before that
                // client could miss anything; the periodic refresh's "current end" may be later
                if (!requested.isEmpty()) {
                    requested.forEach(positions::putIfAbsent);
                    requested.keySet().removeAll(positions.keySet());
                    watching = Set.copyOf(positions.keySet());
                }
                addNewTenants();
                if (positions.isEmpty()) {
                    healthy = redis.ping();
                    Thread.sleep(config.readBlock().toMillis());
                    continue;
                }
                // the reply is delivered by the callback, on Lettuce's I/O thread; the command's
                // own timeout (read block + 5 s) bounds the wait
                redis.readAsync(positions).thenAccept(this::deliver).toCompletableFuture()
                        .get(config.readBlock().toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
                if (!running) {
                    return;
                }
                healthy = false;
                failures.increment();
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                if (!failing) {
                    LOG.warn("reading realtime streams failed: {}; retrying every second", cause.toString());
                }
                failing = true;
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One XREAD reply: routes its entries (runs on Lettuce's I/O thread; must not block). */
    private void deliver(List<StreamMessage<String, String>> messages) {
        healthy = true;
        if (failing) {
            failing = false;
            LOG.info("Redis reachable again; telling every open stream to resync");
            hub.resetAll(Map.copyOf(positions));
        }
        for (StreamMessage<String, String> m : messages) {
            String tenant = tenantOf(m.getStream());
            StreamId id = StreamId.parse(m.getId());
            if (tenant == null || id == null) {
                continue;
            }
            positions.put(tenant, id);
            StreamEntry e = redis.parse(tenant, m);
            if (e != null) {
                hub.dispatch(e);
            }
        }
    }

    private void addNewTenants() {
        long now = System.nanoTime();
        if (now - nextTenantRefresh < 0 && !positions.isEmpty()) {
            return;
        }
        nextTenantRefresh = now + config.tenantRefresh().toNanos();
        Set<String> all = tenants.refresh();
        for (String t : all) {
            if (!positions.containsKey(t)) {
                // start after the newest entry: older ones are for clients that resume (replay)
                positions.put(t, redis.lastId(t));
            }
        }
        positions.keySet().retainAll(all);
        watching = Set.copyOf(positions.keySet());
    }

    static String tenantOf(String key) {
        if (key.startsWith("posduif:") && key.endsWith(":events")) {
            return key.substring("posduif:".length(), key.length() - ":events".length());
        }
        return null;
    }

    @PreDestroy
    void stop() {
        running = false;
        thread.interrupt();
    }
}

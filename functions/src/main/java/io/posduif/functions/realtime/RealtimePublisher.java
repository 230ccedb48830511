package io.posduif.functions.realtime;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.RealtimeStream;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appends realtime events to the tenant's Redis stream, after the commit that caused them.
 *
 * <p>Best effort by design: the data is already committed in PostgreSQL, and clients catch up
 * by pulling (on reconnect, on the relay's post-outage resync, on their sync interval). So a
 * Redis failure never fails the caller: {@link #publish} never throws and never waits for Redis
 * — the XADD is asynchronous, commands are rejected at once while disconnected instead of
 * queueing, and after a failed connect we skip publishing for {@code retry-after} rather than
 * hammering a dead server from every request.
 *
 * <p>It uses its own Lettuce client (not the shared {@code redis} bean) because these options
 * — reject while disconnected, short timeouts — are wrong for other Redis users.
 */
@Singleton
public class RealtimePublisher {

    private static final Logger LOG = LoggerFactory.getLogger(RealtimePublisher.class);

    /** Set in a transaction whose commit functions publishes itself (see {@link #markPublished}). */
    static final String ORIGIN_SETTING = "posduif.realtime_origin";

    private final RealtimeConfig config;
    private final JsonMapper json;
    private final String redisUri;
    private final Counter published;
    private final Counter failed;
    private final Counter skipped;
    private final AtomicLong lastFailureLog = new AtomicLong();

    private final Object lock = new Object();
    private ClientResources resources;
    private RedisClient client;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile long nextConnectAttempt;

    RealtimePublisher(RealtimeConfig config, JsonMapper json,
                      @Value("${redis.uri:`redis://localhost:6379`}") String redisUri,
                      @Nullable MeterRegistry meters) {
        this.config = config;
        this.json = json;
        this.redisUri = redisUri;
        MeterRegistry m = meters != null ? meters : new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        this.published = Counter.builder("posduif.realtime.published").description("events appended to Redis streams").register(m);
        this.failed = Counter.builder("posduif.realtime.publish.failures").description("events lost because Redis failed (clients catch up by pulling)").register(m);
        this.skipped = Counter.builder("posduif.realtime.publish.skipped").description("events not attempted while Redis was known to be down").register(m);
    }

    /**
     * Appends {@code event} to the tenant's stream. Call it after the commit. Never throws;
     * the returned stage completes with the stream id, or null if the event was dropped.
     */
    public CompletionStage<String> publish(TenantId tenant, RealtimeEvent event) {
        if (!config.enabled()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            StatefulRedisConnection<String, String> c = connection();
            if (c == null) {
                skipped.increment();
                return CompletableFuture.completedFuture(null);
            }
            XAddArgs args = XAddArgs.Builder.maxlen(config.streamMaxLength()).approximateTrimming();
            return c.async().xadd(RealtimeStream.key(tenant.value()), args, fields(event))
                    .handle((id, error) -> {
                        if (error != null) {
                            fail(tenant, event, error);
                            return null;
                        }
                        published.increment();
                        return id;
                    });
        } catch (RuntimeException | IOException e) {
            fail(tenant, event, e);
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Publishes several events (e.g. one per recipient); same guarantees as {@link #publish}. */
    public void publishAll(TenantId tenant, List<RealtimeEvent> events) {
        for (RealtimeEvent e : events) {
            publish(tenant, e);
        }
    }

    /**
     * Marks the current transaction as one whose changes functions announces itself, so the
     * capture path does not also queue them for the relay's out-of-band publisher (which would
     * only send duplicate {@code sync_required}). Optional: without it devices just get two.
     */
    public static void markPublished(Connection transaction) throws SQLException {
        try (Statement s = transaction.createStatement()) {
            s.execute("SELECT set_config('" + ORIGIN_SETTING + "', 'functions', true)");
        }
    }

    Map<String, String> fields(RealtimeEvent e) throws IOException {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(RealtimeStream.FIELD_TYPE, e.type());
        if (!e.buckets().isEmpty()) {
            f.put(RealtimeStream.FIELD_BUCKETS, json.writeValueAsString(e.buckets()));
        }
        if (e.cursor() != null) {
            f.put(RealtimeStream.FIELD_CURSOR, e.cursor());
        }
        if (!e.userIds().isEmpty()) {
            f.put(RealtimeStream.FIELD_USERS, json.writeValueAsString(e.userIds()));
        }
        if (!e.deviceIds().isEmpty()) {
            f.put(RealtimeStream.FIELD_DEVICES, json.writeValueAsString(e.deviceIds()));
        }
        f.put(RealtimeStream.FIELD_DATA, json.writeValueAsString(e.data()));
        return f;
    }

    private StatefulRedisConnection<String, String> connection() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            return c;
        }
        if (System.nanoTime() - nextConnectAttempt < 0) {
            return null;
        }
        synchronized (lock) {
            if (connection != null) {
                return connection;
            }
            if (System.nanoTime() - nextConnectAttempt < 0) {
                return null;
            }
            try {
                if (client == null) {
                    resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
                    client = RedisClient.create(resources, RedisURI.create(redisUri));
                    client.setOptions(ClientOptions.builder()
                            .autoReconnect(true)
                            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                            .requestQueueSize(10_000)
                            .socketOptions(SocketOptions.builder().connectTimeout(config.timeout()).build())
                            .timeoutOptions(TimeoutOptions.enabled(config.timeout()))
                            .build());
                }
                connection = client.connect();
                return connection;
            } catch (RuntimeException e) {
                nextConnectAttempt = System.nanoTime() + config.retryAfter().toNanos();
                throw e;
            }
        }
    }

    private void fail(TenantId tenant, RealtimeEvent event, Throwable error) {
        failed.increment();
        long now = System.currentTimeMillis();
        long last = lastFailureLog.get();
        // one line per few seconds: a Redis outage must not flood the log from every request
        if (now - last > 5_000 && lastFailureLog.compareAndSet(last, now)) {
            LOG.warn("realtime event {} for tenant {} not published (Redis: {}); clients will catch up by pulling",
                    event.type(), tenant, error.toString());
        }
    }

    @PreDestroy
    void close() {
        synchronized (lock) {
            if (connection != null) {
                connection.closeAsync();
            }
            if (client != null) {
                client.shutdownAsync();
            }
            if (resources != null) {
                resources.shutdown();
            }
        }
    }
}

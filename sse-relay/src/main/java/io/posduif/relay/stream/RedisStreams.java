package io.posduif.relay.stream;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.posduif.protocol.RealtimeStream;
import io.posduif.relay.RelayConfig;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The relay's Redis: one connection for the blocking {@code XREAD} loop, one for the
 * out-of-band leader's XADDs, one for everything else (replay, trimming, presence). The leader
 * has its own so that its XADD, which is on the plain-SQL path's latency, never queues behind a
 * 10,000-entry replay or a trim on the shared connection. Commands fail at once while
 * disconnected instead of queueing, so a Redis outage shows up as errors the relay handles.
 */
@Singleton
public class RedisStreams {

    private final RelayConfig config;
    private final JsonMapper json;
    private final ClientResources resources;
    private final RedisClient client;
    private final Lazy reader;
    private final Lazy commands = new Lazy(null);
    private final Lazy outOfBand = new Lazy(null);

    RedisStreams(RelayConfig config, JsonMapper json, @Value("${redis.uri}") String uri) {
        this.config = config;
        this.json = json;
        this.reader = new Lazy(config.readBlock().plusSeconds(5));
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
        this.client = RedisClient.create(resources, RedisURI.create(uri));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(2)))
                .build());
    }

    /** A connection opened on first use (the relay starts even while Redis is down). */
    private final class Lazy {
        private final Duration timeout;
        private volatile StatefulRedisConnection<String, String> connection;

        Lazy(Duration timeout) {
            this.timeout = timeout;
        }

        StatefulRedisConnection<String, String> get() {
            StatefulRedisConnection<String, String> c = connection;
            if (c == null) {
                synchronized (this) {
                    if (connection == null) {
                        StatefulRedisConnection<String, String> opened = client.connect();
                        if (timeout != null) {
                            opened.setTimeout(timeout);
                        }
                        connection = opened;
                    }
                    c = connection;
                }
            }
            return c;
        }

        void close() {
            if (connection != null) {
                connection.close();
            }
        }
    }

    private StatefulRedisConnection<String, String> reader() {
        return reader.get();
    }

    public StatefulRedisConnection<String, String> commands() {
        return commands.get();
    }

    private StatefulRedisConnection<String, String> outOfBand() {
        return outOfBand.get();
    }

    /**
     * Blocking read ({@code XREAD BLOCK}, no consumer group: every relay reads everything) of
     * every given stream after the given ids. The reply completes on Lettuce's I/O thread, where the caller's
     * callback can route it without waking another thread first.
     */
    RedisFuture<List<StreamMessage<String, String>>> readAsync(Map<String, StreamId> after) {
        @SuppressWarnings("unchecked")
        XReadArgs.StreamOffset<String>[] offsets = after.entrySet().stream()
                .map(e -> XReadArgs.StreamOffset.from(RealtimeStream.key(e.getKey()), e.getValue().toString()))
                .toArray(XReadArgs.StreamOffset[]::new);
        return reader().async().xread(XReadArgs.Builder.block(config.readBlock().toMillis()).count(config.readCount()), offsets);
    }

    /** The id of the newest entry, or {@link StreamId#ZERO} for an empty or missing stream. */
    public StreamId lastId(String tenant) {
        List<StreamMessage<String, String>> last = commands().sync().xrevrange(RealtimeStream.key(tenant), Range.create("-", "+"), Limit.from(1));
        return last.isEmpty() ? StreamId.ZERO : StreamId.parse(last.get(0).getId());
    }

    /** The oldest entry's id, or null for an empty stream. */
    public StreamId firstId(String tenant) {
        List<StreamMessage<String, String>> first = commands().sync().xrange(RealtimeStream.key(tenant), Range.create("-", "+"), Limit.from(1));
        return first.isEmpty() ? null : StreamId.parse(first.get(0).getId());
    }

    /** Entries strictly after {@code after}, at most {@code limit}. */
    public List<StreamEntry> after(String tenant, StreamId after, int limit) {
        List<StreamMessage<String, String>> msgs = commands().sync().xrange(RealtimeStream.key(tenant),
                Range.from(Range.Boundary.excluding(after.toString()), Range.Boundary.unbounded()), Limit.from(limit));
        List<StreamEntry> out = new ArrayList<>(msgs.size());
        for (StreamMessage<String, String> m : msgs) {
            StreamEntry e = parse(tenant, m);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    /** Drops entries older than the configured age. */
    public void trimByAge(String tenant) {
        long minMs = System.currentTimeMillis() - config.streamMaxAge().toMillis();
        commands().sync().xtrim(RealtimeStream.key(tenant), XTrimArgs.Builder.minId(minMs + "-0").approximateTrimming());
    }

    /** Appends an event (same layout as functions' RealtimePublisher). */
    public RedisFuture<String> publish(String tenant, String type, Set<String> buckets, Set<String> users, Map<String, Object> data) {
        return publish(commands(), tenant, type, buckets, users, data);
    }

    /**
     * Appends one {@code sync_required} per chunk of scope keys, all sent before any reply is
     * awaited (one round trip however many chunks), on the out-of-band leader's own connection.
     */
    public List<RedisFuture<String>> publishSyncRequired(String tenant, List<Set<String>> chunks) {
        StatefulRedisConnection<String, String> c = outOfBand();
        List<RedisFuture<String>> sent = new ArrayList<>(chunks.size());
        for (Set<String> chunk : chunks) {
            sent.add(publish(c, tenant, "sync_required", chunk, null, Map.of("type", "sync_required")));
        }
        return sent;
    }

    private RedisFuture<String> publish(StatefulRedisConnection<String, String> c, String tenant, String type, Set<String> buckets,
                                        Set<String> users, Map<String, Object> data) {
        try {
            Map<String, String> f = new LinkedHashMap<>();
            f.put(RealtimeStream.FIELD_TYPE, type);
            if (buckets != null && !buckets.isEmpty()) {
                f.put(RealtimeStream.FIELD_BUCKETS, json.writeValueAsString(List.copyOf(buckets)));
            }
            if (users != null && !users.isEmpty()) {
                f.put(RealtimeStream.FIELD_USERS, json.writeValueAsString(List.copyOf(users)));
            }
            f.put(RealtimeStream.FIELD_DATA, json.writeValueAsString(data));
            return c.async().xadd(RealtimeStream.key(tenant),
                    XAddArgs.Builder.maxlen(config.streamMaxLength()).approximateTrimming(), f);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Synchronous PING with a short timeout, for /health. */
    public boolean ping() {
        try {
            return "PONG".equals(commands().async().ping().get(1, TimeUnit.SECONDS));
        } catch (Exception e) {
            return false;
        }
    }

    /** Parses an entry; null if it is malformed (logged by the caller's metrics, never fatal). */
    public StreamEntry parse(String tenant, StreamMessage<String, String> m) {
        Map<String, String> b = m.getBody();
        StreamId id = StreamId.parse(m.getId());
        String type = b.get(RealtimeStream.FIELD_TYPE);
        String data = b.get(RealtimeStream.FIELD_DATA);
        if (id == null || type == null || data == null || !type.matches("[a-z_]{1,40}")) {
            return null;
        }
        try {
            return StreamEntry.of(tenant, id, type, set(b.get(RealtimeStream.FIELD_BUCKETS)),
                    set(b.get(RealtimeStream.FIELD_USERS)), set(b.get(RealtimeStream.FIELD_DEVICES)), data);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private Set<String> set(String jsonArray) throws IOException {
        if (jsonArray == null) {
            return null;
        }
        List<String> l = json.readValue(jsonArray, Argument.listOf(String.class));
        return l == null ? null : Set.copyOf(new LinkedHashSet<>(l));
    }

    @PreDestroy
    void close() {
        reader.close();
        commands.close();
        outOfBand.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown();
    }
}

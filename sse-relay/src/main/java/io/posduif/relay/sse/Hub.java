package io.posduif.relay.sse;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.posduif.relay.auth.Principal;
import io.posduif.relay.presence.Presence;
import io.posduif.relay.stream.StreamEntry;
import io.posduif.relay.stream.StreamId;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Every open stream of this relay, by tenant, and the routing of stream entries to them.
 */
@Singleton
public class Hub {

    /** Streams written per heartbeat task before the loop gets to run other work. */
    static final int HEARTBEAT_BATCH = 512;

    private final Map<String, TenantStreams> tenants = new ConcurrentHashMap<>();
    private final AtomicInteger devices = new AtomicInteger();
    private final AtomicInteger web = new AtomicInteger();
    private final Presence presence;
    private final ScopeReloader scopes;
    private final Counter delivered;
    private final Counter slowDropped;
    private final Counter entries;

    Hub(Presence presence, ScopeReloader scopes, MeterRegistry meters) {
        this.presence = presence;
        this.scopes = scopes;
        Gauge.builder("posduif.relay.connections", devices, AtomicInteger::get).tag("kind", "device").register(meters);
        Gauge.builder("posduif.relay.connections", web, AtomicInteger::get).tag("kind", "web").register(meters);
        this.delivered = Counter.builder("posduif.relay.events.delivered").description("SSE events written to streams").register(meters);
        this.entries = Counter.builder("posduif.relay.stream.entries").description("stream entries read from Redis").register(meters);
        this.slowDropped = Counter.builder("posduif.relay.slow.clients.dropped").description("streams closed because the client did not read").register(meters);
    }

    /**
     * A tenant's streams, grouped by the event loop that owns their channel, so that one event
     * costs one task per loop (which writes to all of that loop's streams) instead of a task, a
     * wake-up and a flush request per stream from a foreign thread.
     */
    private static final class TenantStreams {
        final Map<EventExecutor, Set<SseConnection>> devices = new ConcurrentHashMap<>();
        final Map<EventExecutor, Set<SseConnection>> web = new ConcurrentHashMap<>();
        /** Open streams per device on this relay: presence goes offline when the last one closes. */
        final Map<String, AtomicInteger> perDevice = new ConcurrentHashMap<>();
    }

    private static Set<SseConnection> loopSet(Map<EventExecutor, Set<SseConnection>> byLoop, SseConnection c) {
        return byLoop.computeIfAbsent(c.channel.eventLoop(), k -> ConcurrentHashMap.newKeySet());
    }

    private static boolean removeFrom(Map<EventExecutor, Set<SseConnection>> byLoop, SseConnection c) {
        Set<SseConnection> set = byLoop.get(c.channel.eventLoop());
        return set != null && set.remove(c);
    }

    void add(SseConnection c) {
        TenantStreams t = tenants.computeIfAbsent(c.principal.tenant(), k -> new TenantStreams());
        if (c.isDevice()) {
            loopSet(t.devices, c).add(c);
            devices.incrementAndGet();
            if (t.perDevice.computeIfAbsent(c.principal.deviceId(), k -> new AtomicInteger()).incrementAndGet() == 1) {
                presence.online(c.principal);
            }
        } else {
            loopSet(t.web, c).add(c);
            web.incrementAndGet();
        }
    }

    void remove(SseConnection c) {
        TenantStreams t = tenants.get(c.principal.tenant());
        if (t == null) {
            return;
        }
        if (c.isDevice()) {
            if (removeFrom(t.devices, c)) {
                devices.decrementAndGet();
                AtomicInteger n = t.perDevice.get(c.principal.deviceId());
                if (n != null && n.decrementAndGet() <= 0) {
                    t.perDevice.remove(c.principal.deviceId(), n);
                    presence.offline(c.principal);
                }
            }
        } else if (removeFrom(t.web, c)) {
            web.decrementAndGet();
        }
    }

    /**
     * Routes one stream entry to the streams that want it. Called by the stream reader for each
     * entry, in stream order. The routing test runs here (a {@code sync_required} usually concerns
     * a few devices among thousands: only their loops are woken); the writes run as one task per
     * event loop that has recipients, which writes and flushes all of its streams in one go,
     * instead of a task, a wake-up and a flush request per stream from a foreign thread. The
     * frame is encoded once into one direct buffer that every write shares (retained
     * duplicates: no per-stream copy).
     */
    public void dispatch(StreamEntry e) {
        entries.increment();
        TenantStreams t = tenants.get(e.tenant());
        if (t == null) {
            return;
        }
        if ("scopes_changed".equals(e.type())) {
            if (e.devices() != null) {
                List<SseConnection> affected = new ArrayList<>();
                for (Set<SseConnection> set : t.devices.values()) {
                    for (SseConnection c : set) {
                        if (e.devices().contains(c.principal.deviceId())) {
                            affected.add(c);
                        }
                    }
                }
                scopes.reload(e.tenant(), affected);
            }
            return;
        }
        boolean toDevices = switch (e.type()) {
            case "sync_required", "schema_changed", "device_revoked" -> true;
            default -> false;
        };
        ByteBuf frame = null;
        try {
            for (Map.Entry<EventExecutor, Set<SseConnection>> loop : (toDevices ? t.devices : t.web).entrySet()) {
                List<SseConnection> recipients = null;
                for (SseConnection c : loop.getValue()) {
                    if (c.wants(e)) {
                        if (recipients == null) {
                            recipients = new ArrayList<>();
                        }
                        recipients.add(c);
                    }
                }
                if (recipients == null) {
                    continue;
                }
                if (frame == null) {
                    frame = shared(e.frame());
                }
                List<SseConnection> to = recipients;
                ByteBuf f = frame.retain();
                submit(loop.getKey(), f, () -> {
                    for (SseConnection c : to) {
                        c.send(e, f, e.frame().length);
                    }
                });
                delivered.increment(to.size());
            }
        } finally {
            if (frame != null) {
                frame.release();
            }
        }
    }

    /** Runs {@code job} on {@code loop} and then releases its reference to {@code frame}. */
    private static void submit(EventExecutor loop, ByteBuf frame, Runnable job) {
        try {
            loop.execute(() -> {
                try {
                    job.run();
                } finally {
                    frame.release();
                }
            });
        } catch (RuntimeException rejected) {
            // the loop is shutting down with its channels: nothing to write to
            frame.release();
        }
    }

    /**
     * A direct buffer holding the frame already as one HTTP chunk ({@code <hex length>\r\n},
     * frame, {@code \r\n}), shared (as retained duplicates) by every write of it: the socket
     * write needs neither a copy nor the HTTP encoder per stream (see {@link SseConnection}).
     */
    static ByteBuf shared(byte[] frame) {
        byte[] head = (Integer.toHexString(frame.length) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return Unpooled.directBuffer(head.length + frame.length + 2).writeBytes(head).writeBytes(frame).writeByte('\r').writeByte('\n');
    }

    /** After Redis was unreachable: everyone pulls / reloads (docs/protocol.md §7). */
    public void resetAll(Map<String, StreamId> positions) {
        tenants.forEach((tenant, t) -> {
            StreamId at = positions.get(tenant);
            byte[] reset = StreamEntry.frame(at == null || at.equals(StreamId.ZERO) ? "" : at.toString(), "reset", "{\"type\":\"reset\"}");
            ByteBuf frame = shared(reset);
            try {
                for (Map<EventExecutor, Set<SseConnection>> byLoop : List.of(t.devices, t.web)) {
                    byLoop.forEach((loop, streams) -> {
                        frame.retain();
                        submit(loop, frame, () -> streams.forEach(c -> c.sendRaw(frame, reset.length)));
                    });
                }
            } finally {
                frame.release();
            }
        });
    }

    /**
     * One heartbeat pass over every stream: per event loop, batches of {@link #HEARTBEAT_BATCH}
     * streams, each batch submitting the next when done. An event submitted meanwhile therefore
     * waits for at most one batch, not for the loop's whole pass (19,000 writes at once would
     * delay every notification behind them: a latency spike every heartbeat interval).
     */
    public void heartbeat() {
        ByteBuf frame = shared(SseConnection.HEARTBEAT);
        try {
            Map<EventExecutor, List<SseConnection>> byLoop = new HashMap<>();
            tenants.values().forEach(t -> {
                t.devices.forEach((loop, streams) -> byLoop.computeIfAbsent(loop, k -> new ArrayList<>()).addAll(streams));
                t.web.forEach((loop, streams) -> byLoop.computeIfAbsent(loop, k -> new ArrayList<>()).addAll(streams));
            });
            byLoop.forEach((loop, streams) -> {
                frame.retain();
                heartbeatBatch(loop, streams, 0, frame);
            });
        } finally {
            frame.release();
        }
    }

    private static void heartbeatBatch(EventExecutor loop, List<SseConnection> streams, int from, ByteBuf frame) {
        try {
            loop.execute(() -> {
                int to = Math.min(streams.size(), from + HEARTBEAT_BATCH);
                try {
                    for (int i = from; i < to; i++) {
                        streams.get(i).sendRaw(frame, SseConnection.HEARTBEAT.length);
                    }
                } finally {
                    if (to < streams.size()) {
                        heartbeatBatch(loop, streams, to, frame);
                    } else {
                        frame.release();
                    }
                }
            });
        } catch (RuntimeException rejected) {
            frame.release();
        }
    }

    public void forEach(Consumer<SseConnection> action) {
        tenants.values().forEach(t -> {
            t.devices.values().forEach(set -> set.forEach(action));
            t.web.values().forEach(set -> set.forEach(action));
        });
    }

    /** Device ids with an open stream on this relay, per tenant (presence refresh). */
    public Map<String, List<String>> connectedDevices() {
        Map<String, List<String>> out = new java.util.HashMap<>();
        tenants.forEach((tenant, t) -> {
            if (!t.perDevice.isEmpty()) {
                out.put(tenant, List.copyOf(t.perDevice.keySet()));
            }
        });
        return out;
    }

    public int deviceConnections() {
        return devices.get();
    }

    public int webConnections() {
        return web.get();
    }

    void slowClientDropped() {
        slowDropped.increment();
    }

    /** For tests and diagnostics: open streams of one principal kind in a tenant. */
    public int count(String tenant, Principal.Kind kind) {
        TenantStreams t = tenants.get(tenant);
        if (t == null) {
            return 0;
        }
        int n = 0;
        for (Set<SseConnection> set : (kind == Principal.Kind.DEVICE ? t.devices : t.web).values()) {
            n += set.size();
        }
        return n;
    }
}

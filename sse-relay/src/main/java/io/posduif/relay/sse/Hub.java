package io.posduif.relay.sse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.posduif.relay.auth.Principal;
import io.posduif.relay.presence.Presence;
import io.posduif.relay.stream.StreamEntry;
import io.posduif.relay.stream.StreamId;
import jakarta.inject.Singleton;

import java.util.ArrayList;
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

    private static final class TenantStreams {
        final Set<SseConnection> devices = ConcurrentHashMap.newKeySet();
        final Set<SseConnection> web = ConcurrentHashMap.newKeySet();
        /** Open streams per device on this relay: presence goes offline when the last one closes. */
        final Map<String, AtomicInteger> perDevice = new ConcurrentHashMap<>();
    }

    void add(SseConnection c) {
        TenantStreams t = tenants.computeIfAbsent(c.principal.tenant(), k -> new TenantStreams());
        if (c.isDevice()) {
            t.devices.add(c);
            devices.incrementAndGet();
            if (t.perDevice.computeIfAbsent(c.principal.deviceId(), k -> new AtomicInteger()).incrementAndGet() == 1) {
                presence.online(c.principal);
            }
        } else {
            t.web.add(c);
            web.incrementAndGet();
        }
    }

    void remove(SseConnection c) {
        TenantStreams t = tenants.get(c.principal.tenant());
        if (t == null) {
            return;
        }
        if (c.isDevice()) {
            if (t.devices.remove(c)) {
                devices.decrementAndGet();
                AtomicInteger n = t.perDevice.get(c.principal.deviceId());
                if (n != null && n.decrementAndGet() <= 0) {
                    t.perDevice.remove(c.principal.deviceId(), n);
                    presence.offline(c.principal);
                }
            }
        } else if (t.web.remove(c)) {
            web.decrementAndGet();
        }
    }

    /** Routes one stream entry to the streams that want it. Called by the single reader thread. */
    public void dispatch(StreamEntry e) {
        entries.increment();
        TenantStreams t = tenants.get(e.tenant());
        if (t == null) {
            return;
        }
        if ("scopes_changed".equals(e.type())) {
            if (e.devices() != null) {
                List<SseConnection> affected = new ArrayList<>();
                for (SseConnection c : t.devices) {
                    if (e.devices().contains(c.principal.deviceId())) {
                        affected.add(c);
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
        for (SseConnection c : toDevices ? t.devices : t.web) {
            if (c.wants(e)) {
                c.send(e);
                delivered.increment();
            }
        }
    }

    /** After Redis was unreachable: everyone pulls / reloads (docs/protocol.md §7). */
    public void resetAll(Map<String, StreamId> positions) {
        tenants.forEach((tenant, t) -> {
            StreamId at = positions.get(tenant);
            byte[] frame = StreamEntry.frame(at == null || at.equals(StreamId.ZERO) ? "" : at.toString(), "reset", "{\"type\":\"reset\"}");
            t.devices.forEach(c -> c.sendRaw(frame));
            t.web.forEach(c -> c.sendRaw(frame));
        });
    }

    public void forEach(Consumer<SseConnection> action) {
        tenants.values().forEach(t -> {
            t.devices.forEach(action);
            t.web.forEach(action);
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
        return t == null ? 0 : kind == Principal.Kind.DEVICE ? t.devices.size() : t.web.size();
    }
}

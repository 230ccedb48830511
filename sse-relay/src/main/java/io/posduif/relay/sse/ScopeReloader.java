package io.posduif.relay.sse;

import io.posduif.relay.RelayExecutors;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Re-reads devices' bucket keys after functions announced a change ({@code scopes_changed}). */
@Singleton
class ScopeReloader {

    private static final Logger LOG = LoggerFactory.getLogger(ScopeReloader.class);

    private final Devices devices;
    private final RelayExecutors executors;

    ScopeReloader(Devices devices, RelayExecutors executors) {
        this.devices = devices;
        this.executors = executors;
    }

    void reload(String tenant, List<SseConnection> connections) {
        if (connections.isEmpty()) {
            return;
        }
        executors.io().execute(() -> {
            try {
                Map<String, Set<String>> now = devices.buckets(tenant, connections.stream().map(c -> c.principal.deviceId()).distinct().toList());
                for (SseConnection c : connections) {
                    c.buckets = now.get(c.principal.deviceId());
                }
            } catch (Exception e) {
                // unknown scope = every sync_required: safe until the next change
                connections.forEach(c -> c.buckets = null);
                LOG.warn("could not reload scopes of {} devices of tenant {}: {}", connections.size(), tenant, e.getMessage());
            }
        });
    }
}

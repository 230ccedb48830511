package io.posduif.relay.ops;

import io.micronaut.context.annotation.Context;
import io.posduif.relay.RelayConfig;
import io.posduif.relay.RelayExecutors;
import io.posduif.relay.presence.Presence;
import io.posduif.relay.sse.Hub;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The periodic jobs of every relay on one scheduler thread: heartbeats for all streams (one pass,
 * one shared frame, batched per event loop, no timer per connection) and the {@code last_seen} refresh of connected devices.
 */
@Context
class Ticks {

    private static final Logger LOG = LoggerFactory.getLogger(Ticks.class);

    Ticks(Hub hub, Presence presence, RelayConfig config, RelayExecutors executors) {
        long hb = config.heartbeat().toMillis();
        executors.scheduler().scheduleAtFixedRate(() -> {
            try {
                hub.heartbeat();
            } catch (RuntimeException e) {
                LOG.warn("heartbeat pass failed: {}", e.toString());
            }
        }, hb, hb, TimeUnit.MILLISECONDS);
        long pr = config.presenceRefresh().toMillis();
        executors.scheduler().scheduleAtFixedRate(() -> executors.io().execute(() ->
                hub.connectedDevices().forEach((tenant, ids) -> {
                    try {
                        presence.refresh(tenant, ids);
                    } catch (Exception e) {
                        LOG.warn("presence refresh of tenant {} failed: {}", tenant, e.toString());
                    }
                })), pr, pr, TimeUnit.MILLISECONDS);
    }
}

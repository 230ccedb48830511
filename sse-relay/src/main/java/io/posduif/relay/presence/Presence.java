package io.posduif.relay.presence;

import io.micronaut.context.annotation.Context;
import io.posduif.relay.RelayConfig;
import io.posduif.relay.RelayExecutors;
import io.posduif.relay.auth.Principal;
import io.posduif.relay.stream.RedisStreams;
import io.posduif.relay.tenant.TenantDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A device is online while it has an open stream. Opening and closing streams update
 * {@code posduif_devices.online/last_seen} (read by the users API) and publish {@code presence}
 * to web users. Changes are batched (one UPDATE per tenant and state every 200 ms) so that a
 * reconnect storm of thousands of devices costs a handful of statements, not thousands.
 */
@Context
public class Presence {

    private static final Logger LOG = LoggerFactory.getLogger(Presence.class);

    private static final java.time.format.DateTimeFormatter MILLIS =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private final DataSource dataSource;
    private final RedisStreams redis;
    private final RelayConfig config;
    private final ConcurrentLinkedQueue<Change> changes = new ConcurrentLinkedQueue<>();

    private record Change(Principal who, boolean online) {
    }

    Presence(DataSource dataSource, RedisStreams redis, RelayConfig config, RelayExecutors executors) {
        this.dataSource = io.posduif.relay.tenant.TenantDirectory.plain(dataSource);
        this.redis = redis;
        this.config = config;
        executors.scheduler().scheduleWithFixedDelay(this::flushSafely, 200, 200, TimeUnit.MILLISECONDS);
    }

    public void online(Principal device) {
        changes.add(new Change(device, true));
    }

    public void offline(Principal device) {
        changes.add(new Change(device, false));
    }

    private void flushSafely() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warn("presence flush failed: {}", e.toString());
        }
    }

    /** Applies queued changes; the latest state of each device wins. */
    void flush() {
        if (changes.isEmpty()) {
            return;
        }
        Map<String, Map<String, Change>> byTenant = new HashMap<>();
        for (Change c; (c = changes.poll()) != null; ) {
            byTenant.computeIfAbsent(c.who.tenant(), k -> new LinkedHashMap<>()).put(c.who.deviceId(), c);
        }
        byTenant.forEach((tenant, latest) -> {
            List<String> on = new ArrayList<>();
            List<String> off = new ArrayList<>();
            latest.values().forEach(c -> (c.online ? on : off).add(c.who.deviceId()));
            try {
                update(tenant, on, true, true);
                update(tenant, off, false, true);
            } catch (SQLException e) {
                LOG.warn("presence of {} devices of tenant {} not recorded: {}", latest.size(), tenant, e.getMessage());
            }
        });
    }

    /** Keeps {@code last_seen} of connected devices fresh so that a dead relay's devices can be told apart. */
    public void refresh(String tenant, List<String> connected) throws SQLException {
        update(tenant, connected, true, false);
    }

    /**
     * Marks offline the devices that claim to be online but whose relay stopped refreshing them
     * (it died); run by the tenant's leader only.
     */
    public void sweepStale(String tenant) throws SQLException {
        String table = TenantDirectory.schema(tenant);
        List<Object[]> gone = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE \"" + table + "\".\"posduif_devices\" SET online = false"
                     + " WHERE online AND (last_seen IS NULL OR last_seen < now() - make_interval(secs => ?))"
                     + " RETURNING device_id, user_id::text, last_seen")) {
            ps.setDouble(1, config.presenceStaleAfter().toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    gone.add(new Object[]{rs.getString(1), rs.getString(2), rs.getTimestamp(3)});
                }
            }
        }
        for (Object[] g : gone) {
            publish(tenant, (String) g[1], (String) g[0], false, g[2] == null ? null : ((java.sql.Timestamp) g[2]).toInstant());
        }
    }

    private void update(String tenant, List<String> deviceIds, boolean online, boolean announce) throws SQLException {
        if (deviceIds.isEmpty()) {
            return;
        }
        String schema = TenantDirectory.schema(tenant);
        if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            return;
        }
        List<Object[]> changed = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE \"" + schema + "\".\"posduif_devices\" SET online = ?, last_seen = now()"
                     + " WHERE device_id = ANY (?) RETURNING device_id, user_id::text, last_seen")) {
            ps.setBoolean(1, online);
            ps.setArray(2, c.createArrayOf("text", deviceIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    changed.add(new Object[]{rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()});
                }
            }
        }
        if (announce) {
            for (Object[] d : changed) {
                publish(tenant, (String) d[1], (String) d[0], online, (Instant) d[2]);
            }
        }
    }

    private void publish(String tenant, String userId, String deviceId, boolean online, Instant lastSeen) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", "presence");
        data.put("user_id", userId);
        data.put("device_id", deviceId);
        data.put("online_status", online ? "online" : "offline");
        data.put("last_seen", lastSeen == null ? null : MILLIS.format(lastSeen));
        try {
            redis.publish(tenant, "presence", null, null, data).exceptionally(e -> null);
        } catch (RuntimeException e) {
            // Redis down: the database has the state; web users see it on their next load
        }
    }

}

package io.posduif.functions.realtime;

import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Records the bucket keys a device subscribes to, for the relay.
 *
 * <p>Why here and not in the relay: buckets come from the tenant's filters and the principal's
 * parameters ({@code SyncFilter.bucketsOfPrincipal}), which only functions knows. Pull computes
 * them anyway, so it hands them to {@link #record} (one no-op write when nothing changed, in the
 * statement that records the device's cursor). When
 * the set really changes, the relay is told to reload that device.
 */
@Singleton
public class DeviceScopes {

    private final Db db;
    private final RealtimePublisher publisher;

    DeviceScopes(Db db, RealtimePublisher publisher) {
        this.db = db;
        this.publisher = publisher;
    }

    /**
     * Stores the device's bucket keys (order and duplicates ignored).
     *
     * @return true if they differ from what was stored (the relay is then notified)
     */
    public boolean record(TenantId tenant, String deviceId, Collection<String> buckets) {
        String[] keys = keys(buckets);
        boolean changed = db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(recordSql(tenant, null))) {
                ps.setString(1, deviceId);
                ps.setArray(2, c.createArrayOf("text", keys));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
        if (changed) {
            changed(tenant, deviceId);
        }
        return changed;
    }

    /**
     * The statement that stores a device's bucket keys, with {@code alongside} (a data-modifying
     * statement of the caller, or null) run as part of it: one round trip and one commit for both.
     * Pull records the device's cursor this way, after each page. Parameters: those of
     * {@code alongside}, then the device id and the keys ({@link #keys}, as {@code text[]}). It
     * answers a row if the keys changed; the caller then calls {@link #changed}.
     */
    public static String recordSql(TenantId tenant, String alongside) {
        return (alongside == null ? "" : "WITH posduif_alongside AS (" + alongside + ") ")
                + "INSERT INTO " + Sql.q(tenant.schema(), "posduif_device_scopes") + " AS s (device_id, buckets) VALUES (?, ?) "
                + "ON CONFLICT (device_id) DO UPDATE SET buckets = excluded.buckets, updated_at = now() "
                + "WHERE s.buckets IS DISTINCT FROM excluded.buckets RETURNING 1";
    }

    /** The keys as stored: sorted, without duplicates. */
    public static String[] keys(Collection<String> buckets) {
        return new TreeSet<>(buckets).toArray(String[]::new);
    }

    /** The device's keys changed: the relay reloads them. */
    public void changed(TenantId tenant, String deviceId) {
        publisher.publish(tenant, RealtimeEvent.scopesChanged(List.of(deviceId)));
    }
}

package io.posduif.functions.realtime;

import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
        return record(tenant, deviceId, buckets, null, (ps, at) -> at);
    }

    /** Binds the parameters of a statement that {@link #record} runs with its own, from position {@code at}; returns the next. */
    @FunctionalInterface
    public interface Binder {
        int bind(PreparedStatement ps, int at) throws SQLException;
    }

    /**
     * {@link #record}, with {@code alongside} (a data-modifying statement of the caller: INSERT,
     * UPDATE or DELETE, bound by {@code bind}) run as part of the same statement: one round trip
     * and one commit for both. Pull records the device's cursor this way, after each page.
     */
    public boolean record(TenantId tenant, String deviceId, Collection<String> buckets, String alongside, Binder bind) {
        String[] sorted = new TreeSet<>(buckets).toArray(String[]::new);
        String table = Sql.q(tenant.schema(), "posduif_device_scopes");
        boolean changed = db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement((alongside == null ? "" : "WITH posduif_alongside AS (" + alongside + ") ")
                    + "INSERT INTO " + table + " AS s (device_id, buckets) VALUES (?, ?) "
                    + "ON CONFLICT (device_id) DO UPDATE SET buckets = excluded.buckets, updated_at = now() "
                    + "WHERE s.buckets IS DISTINCT FROM excluded.buckets RETURNING 1")) {
                int at = bind.bind(ps, 1);
                ps.setString(at++, deviceId);
                ps.setArray(at, c.createArrayOf("text", sorted));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
        if (changed) {
            publisher.publish(tenant, RealtimeEvent.scopesChanged(List.of(deviceId)));
        }
        return changed;
    }
}

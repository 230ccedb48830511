package io.posduif.relay.sse;

import io.posduif.relay.tenant.TenantDirectory;
import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the relay reads about devices: whether one may open a stream, and the bucket keys it
 * subscribes to ({@code posduif_device_scopes}, written by functions' pull).
 */
@Singleton
public class Devices {

    private final DataSource dataSource;

    Devices(DataSource dataSource) {
        this.dataSource = io.posduif.relay.tenant.TenantDirectory.plain(dataSource);
    }

    /** A device row as the relay needs it; {@code buckets} null = unknown (gets every sync_required). */
    public record Device(boolean revoked, String userId, Set<String> buckets) {
    }

    /** The device, or null if it does not exist. */
    public Device find(String tenant, String deviceId) throws SQLException {
        String s = q(TenantDirectory.schema(tenant));
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT d.revoked_at IS NOT NULL, d.user_id::text, sc.buckets FROM "
                     + s + ".\"posduif_devices\" d LEFT JOIN " + s + ".\"posduif_device_scopes\" sc ON sc.device_id = d.device_id"
                     + " WHERE d.device_id = ?")) {
            ps.setString(1, deviceId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Device(rs.getBoolean(1), rs.getString(2), buckets(rs.getArray(3)));
            }
        }
    }

    /** Current bucket keys of these devices (missing = unknown). */
    public Map<String, Set<String>> buckets(String tenant, List<String> deviceIds) throws SQLException {
        String s = q(TenantDirectory.schema(tenant));
        Map<String, Set<String>> out = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT device_id, buckets FROM " + s + ".\"posduif_device_scopes\" WHERE device_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", deviceIds.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), buckets(rs.getArray(2)));
                }
            }
        }
        return out;
    }

    private static Set<String> buckets(Array a) throws SQLException {
        if (a == null) {
            return null;
        }
        Object[] values = (Object[]) a.getArray();
        return Set.of(java.util.Arrays.stream(values).distinct().toArray(String[]::new));
    }

    /** Tenant ids are validated by the token validator; quoting is belt and braces. */
    static String q(String ident) {
        if (!ident.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("bad identifier " + ident);
        }
        return '"' + ident + '"';
    }
}

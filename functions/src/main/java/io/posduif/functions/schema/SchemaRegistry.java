package io.posduif.functions.schema;

import io.micronaut.context.annotation.Value;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The applied schema of each tenant, as every request needs it.
 *
 * <p>Cached because push, pull and the tables API ask on every request. Functions run as many
 * Lambda instances, and an apply on one of them must reach the others: after
 * {@code posduif.schema.recheck-interval} (default 2 s) a cached entry is confirmed with a
 * cheap {@code max(version)} query and reloaded only if a newer version exists. An apply on
 * this instance invalidates at once.
 */
@Singleton
public class SchemaRegistry {

    private record Entry(TenantSchema schema, String source, long checkedAtNanos) {
    }

    /** A version as stored (the admin API lists these). */
    public record StoredVersion(TenantSchema schema, String source) {
    }

    private final Db db;
    private final long recheckNanos;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    SchemaRegistry(Db db, @Value("${posduif.schema.recheck-interval:2s}") Duration recheck) {
        this.db = db;
        this.recheckNanos = recheck.toNanos();
    }

    /** The latest applied schema of {@code tenant}; {@link TenantSchema#empty()} before the first apply. */
    public TenantSchema current(TenantId tenant) {
        return currentWithSource(tenant).schema();
    }

    /** Like {@link #current} but with the source it was applied from. */
    public StoredVersion currentWithSource(TenantId tenant) {
        long now = System.nanoTime();
        Entry e = cache.get(tenant.value());
        if (e != null && now - e.checkedAtNanos() < recheckNanos) {
            return new StoredVersion(e.schema(), e.source());
        }
        if (e != null) {
            int latest = db.withConnection(c -> maxVersion(c, tenant));
            if (latest == e.schema().version()) {
                cache.put(tenant.value(), new Entry(e.schema(), e.source(), now));
                return new StoredVersion(e.schema(), e.source());
            }
        }
        StoredVersion loaded = db.withConnection(c -> load(c, tenant));
        cache.put(tenant.value(), new Entry(loaded.schema(), loaded.source(), now));
        return loaded;
    }

    /** Forgets the cached schema of {@code tenant} (after an apply). */
    public void invalidate(TenantId tenant) {
        cache.remove(tenant.value());
    }

    static int maxVersion(Connection c, TenantId tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(version), 0) FROM " + Sql.q(tenant.schema(), "posduif_schema_versions"));
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Reads the latest version on {@code c} (inside the caller's transaction when there is one). */
    static StoredVersion load(Connection c, TenantId tenant) throws SQLException {
        return loadVersion(c, tenant, null).orElse(new StoredVersion(TenantSchema.empty(), ""));
    }

    /** Reads one version, or the latest when {@code version} is null. */
    static Optional<StoredVersion> loadVersion(Connection c, TenantId tenant, Integer version) throws SQLException {
        String sql = "SELECT version, checksum, source FROM " + Sql.q(tenant.schema(), "posduif_schema_versions")
                + (version == null ? " ORDER BY version DESC LIMIT 1" : " WHERE version = ?");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (version != null) {
                ps.setInt(1, version);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int v = rs.getInt(1);
                String source = rs.getString(3);
                SchemaDefinition def = SchemaParser.parse(tenant.value() + "@v" + v, source);
                return Optional.of(new StoredVersion(new TenantSchema(v, rs.getString(2), def.tables()), source));
            }
        }
    }
}

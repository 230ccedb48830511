package io.posduif.relay.tenant;

import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tenants this deployment hosts ({@code posduif_control.tenants}, written by functions).
 * The relay reads every tenant's stream, and refuses tokens of tenants that do not exist.
 */
@Singleton
public class TenantDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(TenantDirectory.class);

    private final DataSource dataSource;
    private volatile Set<String> tenants = Set.of();

    TenantDirectory(DataSource dataSource) {
        this.dataSource = plain(dataSource);
    }

    /**
     * The connection pool itself. Where micronaut-data is on the classpath too (a shared e2e
     * classpath) it wraps the pool in a proxy that insists on its own transaction context; the
     * relay manages its connections explicitly.
     */
    public static DataSource plain(DataSource ds) {
        try {
            Class<?> delegating = Class.forName("io.micronaut.data.connection.jdbc.advice.DelegatingDataSource");
            ds = (DataSource) delegating.getMethod("unwrapDataSource", DataSource.class).invoke(null, ds);
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            // micronaut-data is not on the classpath (the relay's own build): nothing wraps the pool
        }
        try {
            if (ds.isWrapperFor(com.zaxxer.hikari.HikariDataSource.class)) {
                return ds.unwrap(com.zaxxer.hikari.HikariDataSource.class);
            }
        } catch (java.sql.SQLException | RuntimeException ignored) {
            // not a wrapper: use as is
        }
        return ds;
    }

    public Set<String> all() {
        return tenants;
    }

    /** Re-reads the list; keeps the old one if PostgreSQL is unreachable. */
    public Set<String> refresh() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM posduif_control.tenants")) {
            Set<String> out = new TreeSet<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            tenants = Set.copyOf(out);
        } catch (SQLException e) {
            // 42P01: functions has not created the control schema yet
            if (!"42P01".equals(e.getSQLState()) && !"3F000".equals(e.getSQLState())) {
                LOG.warn("could not list tenants: {}", e.getMessage());
            }
        }
        return tenants;
    }

    /** True if the tenant exists; a miss re-reads the list (a tenant created a moment ago). */
    public boolean exists(String tenant) {
        return tenants.contains(tenant) || refresh().contains(tenant);
    }

    public static String schema(String tenant) {
        return "tenant_" + tenant;
    }
}

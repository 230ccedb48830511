package io.posduif.functions.tenant;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import jakarta.inject.Singleton;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creates, lists, migrates and drops tenants.
 *
 * <p>A tenant is a PostgreSQL schema holding the engine's tables and the tenant's declared
 * tables, plus a role whose privileges stop at that schema. Creation is idempotent so that the
 * CLI, the admin API and the local stack can all "ensure" a tenant without coordination.
 */
@Singleton
public class Tenants {

    private static final Logger LOG = LoggerFactory.getLogger(Tenants.class);

    /** Flyway's history table inside each tenant schema (prefixed like every engine table). */
    static final String HISTORY_TABLE = "posduif_flyway_history";

    private final Db db;
    private final boolean migrateOnStartup;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    Tenants(Db db, @Value("${posduif.tenants.migrate-on-startup:true}") boolean migrateOnStartup) {
        this.db = db;
        this.migrateOnStartup = migrateOnStartup;
    }

    /** A tenant as listed by the admin API and CLI. */
    public record TenantInfo(String id, String schema, String role, Instant createdAt) {
    }

    @EventListener
    void onStartup(StartupEvent event) {
        if (migrateOnStartup) {
            for (TenantInfo t : list()) {
                migrate(new TenantId(t.id()));
            }
        }
    }

    /**
     * Ensures the tenant exists and its engine tables are current.
     *
     * @return true if it was created now, false if it already existed (a no-op apart from
     *         running migrations that a newer build added)
     */
    public boolean create(TenantId id) {
        boolean created = db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                // serialise concurrent creators of the same tenant; roles are cluster-wide objects
                s.execute("SELECT pg_advisory_xact_lock(hashtext('posduif.tenant." + id.value() + "'))");
                try (ResultSet rs = s.executeQuery("SELECT 1 FROM posduif_control.tenants WHERE id = '" + id.value() + "'")) {
                    if (rs.next()) {
                        return false;
                    }
                }
                s.execute("CREATE SCHEMA IF NOT EXISTS " + Sql.q(id.schema()));
                s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + id.role()
                        + "') THEN CREATE ROLE " + Sql.q(id.role()) + " NOLOGIN; END IF; END $$");
                s.execute("REVOKE ALL ON SCHEMA " + Sql.q(id.schema()) + " FROM PUBLIC");
                s.execute("GRANT USAGE ON SCHEMA " + Sql.q(id.schema()) + " TO " + Sql.q(id.role()));
                s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + Sql.q(id.schema())
                        + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + Sql.q(id.role()));
                s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + Sql.q(id.schema())
                        + " GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO " + Sql.q(id.role()));
                s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + Sql.q(id.schema())
                        + " GRANT EXECUTE ON FUNCTIONS TO " + Sql.q(id.role()));
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO posduif_control.tenants (id, schema_name, role_name) VALUES (?, ?, ?)")) {
                ps.setString(1, id.value());
                ps.setString(2, id.schema());
                ps.setString(3, id.role());
                ps.executeUpdate();
            }
            return true;
        });
        migrate(id);
        known.add(id.value());
        if (created) {
            LOG.info("tenant {} created (schema {}, role {})", id, id.schema(), id.role());
        }
        return created;
    }

    /** Runs the engine's Flyway migrations in the tenant's schema. */
    public void migrate(TenantId id) {
        Flyway.configure()
                .dataSource(db.dataSource())
                .schemas(id.schema())
                .defaultSchema(id.schema())
                .createSchemas(false)
                .table(HISTORY_TABLE)
                .locations("classpath:db/tenant")
                .load()
                .migrate();
        // Objects created by migrations belong to the migrating user; grant them explicitly
        // so that the role works whatever the default privileges were at creation time.
        db.withConnection(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + Sql.q(id.schema()) + " TO " + Sql.q(id.role()));
                s.execute("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + Sql.q(id.schema()) + " TO " + Sql.q(id.role()));
                s.execute("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA " + Sql.q(id.schema()) + " TO " + Sql.q(id.role()));
            }
            return null;
        });
    }

    public List<TenantInfo> list() {
        return db.withConnection(c -> {
            List<TenantInfo> out = new ArrayList<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, schema_name, role_name, created_at FROM posduif_control.tenants ORDER BY id")) {
                while (rs.next()) {
                    out.add(new TenantInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant()));
                }
            }
            return out;
        });
    }

    public Optional<TenantInfo> find(String id) {
        if (!TenantId.isValid(id)) {
            return Optional.empty();
        }
        return list().stream().filter(t -> t.id().equals(id)).findFirst();
    }

    /** True if the tenant exists; cached because every authenticated request asks. */
    public boolean exists(String id) {
        if (known.contains(id)) {
            return true;
        }
        boolean exists = find(id).isPresent();
        if (exists) {
            known.add(id);
        }
        return exists;
    }

    /**
     * Drops the tenant's schema, data and role. Irreversible, so the caller must repeat the
     * tenant id as confirmation.
     */
    public boolean drop(TenantId id, String confirmation) {
        if (!id.value().equals(confirmation)) {
            throw new IllegalArgumentException("confirmation must equal the tenant id");
        }
        boolean dropped = db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                int n = s.executeUpdate("DELETE FROM posduif_control.tenants WHERE id = '" + id.value() + "'");
                s.execute("DROP SCHEMA IF EXISTS " + Sql.q(id.schema()) + " CASCADE");
                s.execute("DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '" + id.role()
                        + "') THEN EXECUTE 'DROP OWNED BY " + Sql.q(id.role()) + "'; EXECUTE 'DROP ROLE " + Sql.q(id.role()) + "'; END IF; END $$");
                return n > 0;
            }
        });
        known.remove(id.value());
        return dropped;
    }
}

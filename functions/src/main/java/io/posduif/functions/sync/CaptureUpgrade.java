package io.posduif.functions.sync;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import io.posduif.functions.db.Db;
import io.posduif.functions.schema.SchemaRegistry;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces the per-row capture triggers that earlier versions generated with the statement-level
 * ones ({@link CaptureTriggers}) in tenants that existed before, at start-up (with the tenant
 * migrations) — schema apply only regenerates triggers when the tenant's schema changes. The old
 * triggers stay correct until then (V30's {@code posduif_capture} is kept), only slower.
 */
@Singleton
class CaptureUpgrade {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureUpgrade.class);

    private final Db db;
    private final Tenants tenants;
    private final SchemaRegistry registry;
    private final boolean onStartup;

    CaptureUpgrade(Db db, Tenants tenants, SchemaRegistry registry,
                   @Value("${posduif.tenants.migrate-on-startup:true}") boolean onStartup) {
        this.db = db;
        this.tenants = tenants;
        this.registry = registry;
        this.onStartup = onStartup;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        if (!onStartup) {
            return;
        }
        for (Tenants.TenantInfo t : tenants.list()) {
            try {
                upgrade(new TenantId(t.id()));
            } catch (RuntimeException e) {
                // the old triggers still capture correctly; never keep the service from starting
                LOG.warn("capture triggers of tenant {} not upgraded: {}", t.id(), e.toString());
            }
        }
    }

    /** Reinstalls capture on every synced table of {@code tenant} that still has the generated per-row trigger; returns how many. */
    int upgrade(TenantId tenant) {
        List<TableDef> legacy = new ArrayList<>();
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
                    + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND g.tgname = ?")) {
                ps.setString(1, tenant.schema());
                ps.setString(2, CaptureTriggers.LEGACY_TRIGGER_NAME);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String table = rs.getString(1);
                        registry.current(tenant).table(table).filter(TableDef::isSynced).ifPresent(legacy::add);
                    }
                }
            }
            return null;
        });
        if (legacy.isEmpty()) {
            return 0;
        }
        db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                for (TableDef t : legacy) {
                    for (String sql : CaptureTriggers.installSql(tenant, t)) {
                        s.execute(sql);
                    }
                }
            }
            return null;
        });
        LOG.info("tenant {}: capture of {} table(s) upgraded to statement-level triggers", tenant.value(), legacy.size());
        return legacy.size();
    }
}

package io.posduif.functions.sync;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import io.posduif.functions.db.Db;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings the capture of tenants that existed before up to the current {@link CaptureTriggers}, at
 * start-up (with the tenant migrations): schema apply only regenerates triggers when the tenant's
 * schema changes. A synced table is reinstalled when it still has the per-row trigger of earlier
 * versions, or when its trigger function lacks the current {@link CaptureTriggers#REVISION} mark
 * (for instance one without the planner guard against sequential scans). Older capture stays
 * correct until then (V30's {@code posduif_capture} is kept), only slower.
 */
@Singleton
class CaptureUpgrade {

    private static final Logger LOG = LoggerFactory.getLogger(CaptureUpgrade.class);

    private final Db db;
    private final Tenants tenants;
    private final TenantSchemas schemas;
    private final boolean onStartup;

    CaptureUpgrade(Db db, Tenants tenants, TenantSchemas schemas,
                   @Value("${posduif.tenants.migrate-on-startup:true}") boolean onStartup) {
        this.db = db;
        this.tenants = tenants;
        this.schemas = schemas;
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

    /** Reinstalls capture on every synced table of {@code tenant} whose capture is not the current one; returns how many. */
    int upgrade(TenantId tenant) {
        Map<String, TableDef> synced = new LinkedHashMap<>();
        for (TableDef t : schemas.current(tenant).tables()) {
            if (t.isSynced()) {
                synced.put(t.name(), t);
            }
        }
        if (synced.isEmpty()) {
            return 0;
        }
        List<TableDef> legacy = new ArrayList<>();
        // one catalog query per tenant: tables with the per-row trigger, or whose function lacks the mark
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT t.tbl FROM unnest(?::text[], ?::text[]) AS t(tbl, fn) "
                    + "WHERE EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_class r ON r.oid = g.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace "
                    + "WHERE n.nspname = ? AND r.relname = t.tbl AND g.tgname = ?) "
                    + "OR NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    + "WHERE n.nspname = ? AND p.proname = t.fn AND obj_description(p.oid, 'pg_proc') = ?)")) {
                ps.setArray(1, c.createArrayOf("text", synced.keySet().toArray()));
                ps.setArray(2, c.createArrayOf("text", synced.keySet().stream().map(CaptureTriggers::functionName).toArray()));
                ps.setString(3, tenant.schema());
                ps.setString(4, CaptureTriggers.LEGACY_TRIGGER_NAME);
                ps.setString(5, tenant.schema());
                ps.setString(6, CaptureTriggers.REVISION);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        legacy.add(synced.get(rs.getString(1)));
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
        LOG.info("tenant {}: capture of {} table(s) reinstalled ({})", tenant.value(), legacy.size(), CaptureTriggers.REVISION);
        return legacy.size();
    }
}

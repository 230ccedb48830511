package io.posduif.functions.sync;

import io.micronaut.context.annotation.Replaces;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.schema.TenantSchema;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;

import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test schemas: creates declared tables with their capture triggers directly (what schema apply
 * does) and serves them to sync, so sync tests don't depend on the YAML layer.
 */
@Singleton
@Replaces(TenantSchemas.class)
public class TestSchemas implements TenantSchemas {

    private final Map<String, TenantSchema> schemas = new ConcurrentHashMap<>();
    private final Db db;
    private final io.posduif.functions.schema.SchemaRegistry registry;

    TestSchemas(Db db, io.posduif.functions.schema.SchemaRegistry registry) {
        this.db = db;
        this.registry = registry;
    }

    /** Tenants set up through {@link #apply} get those tables; others what schema apply recorded. */
    @Override
    public TenantSchema current(TenantId tenant) {
        TenantSchema s = schemas.get(tenant.value());
        return s != null ? s : registry.current(tenant);
    }

    /** Creates the tables (with triggers for synced ones) and records them as the tenant's schema. */
    public void apply(TenantId tenant, List<TableDef> tables) {
        db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                for (TableDef t : tables) {
                    List<String> cols = new ArrayList<>();
                    for (ColumnDef col : t.columns()) {
                        cols.add(Sql.q(col.name()) + " " + col.type().pgType() + (col.nullable() ? "" : " NOT NULL")
                                + (col.defaultValue() == null ? "" : " DEFAULT " + col.defaultValue()));
                    }
                    cols.add("PRIMARY KEY (" + String.join(", ", t.primaryKey().stream().map(Sql::q).toList()) + ")");
                    s.execute("CREATE TABLE IF NOT EXISTS " + Sql.q(tenant.schema(), t.name()) + " (" + String.join(", ", cols) + ")");
                    if (t.isSynced()) {
                        for (String sql : CaptureTriggers.installSql(tenant, t)) {
                            s.execute(sql);
                        }
                    }
                }
            }
            return null;
        });
        TenantSchema old = current(tenant);
        schemas.put(tenant.value(), new TenantSchema(old.version() + 1, "sha256:test" + (old.version() + 1), tables));
    }
}

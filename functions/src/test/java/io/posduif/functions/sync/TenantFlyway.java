package io.posduif.functions.sync;

import org.flywaydb.core.Flyway;

import javax.sql.DataSource;

/** A tenant schema's migrations up to a version, as the upgrade tests need them (one schema, no tenant registry). */
final class TenantFlyway {

    private TenantFlyway() {
    }

    /** Flyway for {@code schema} up to {@code target} ("latest" for all). */
    static Flyway upTo(DataSource dataSource, String schema, String target) {
        return Flyway.configure().dataSource(dataSource).schemas(schema).defaultSchema(schema).createSchemas(false)
                .table("posduif_flyway_history").locations("classpath:db/tenant").target(target).load();
    }
}

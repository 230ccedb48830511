package io.posduif.functions.sync;

import io.posduif.functions.schema.SchemaRegistry;
import io.posduif.functions.schema.TenantSchema;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;

/** Sync reads the applied schema from the schema feature's registry. */
@Singleton
class RegistrySchemas implements TenantSchemas {

    private final SchemaRegistry registry;

    RegistrySchemas(SchemaRegistry registry) {
        this.registry = registry;
    }

    @Override
    public TenantSchema current(TenantId tenant) {
        return registry.current(tenant);
    }
}

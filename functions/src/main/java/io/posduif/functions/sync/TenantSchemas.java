package io.posduif.functions.sync;

import io.posduif.functions.schema.TenantSchema;
import io.posduif.functions.tenant.TenantId;

/**
 * Where sync reads a tenant's current data model from.
 *
 * <p>The seam between sync and the schema feature (which owns parsing, apply and versioning):
 * sync only needs "the tables as applied now".
 */
public interface TenantSchemas {
    TenantSchema current(TenantId tenant);
}

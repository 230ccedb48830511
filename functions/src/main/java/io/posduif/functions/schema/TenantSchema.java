package io.posduif.functions.schema;

import java.util.List;
import java.util.Optional;

/**
 * A tenant's applied data model: the tables of one schema version.
 *
 * @param version  increasing number recorded by each apply that changed something
 * @param checksum {@code sha256:<hex>} of the canonical definition; applying an identical file is a no-op
 */
public record TenantSchema(int version, String checksum, List<TableDef> tables) {

    public TenantSchema {
        tables = List.copyOf(tables);
    }

    public static TenantSchema empty() {
        return new TenantSchema(0, "", List.of());
    }

    public Optional<TableDef> table(String name) {
        for (TableDef t : tables) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}

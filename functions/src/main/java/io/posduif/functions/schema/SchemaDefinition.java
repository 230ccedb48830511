package io.posduif.functions.schema;

import java.util.List;

/**
 * A validated schema file, not yet applied: its tables, the checksum that decides whether an
 * apply changes anything, and the source as written (recorded with the version).
 */
public record SchemaDefinition(List<TableDef> tables, String checksum, String source) {

    public SchemaDefinition {
        tables = List.copyOf(tables);
    }

    public TenantSchema atVersion(int version) {
        return new TenantSchema(version, checksum, tables);
    }
}

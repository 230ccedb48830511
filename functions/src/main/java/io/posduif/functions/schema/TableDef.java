package io.posduif.functions.schema;

import java.util.List;
import java.util.Optional;

/**
 * One declared table with its sync rules.
 *
 * @param filter         the partial-sync rule, or {@code null} when every device sees every row
 * @param deviceWritable false for tables devices read but never write (e.g. the user directory)
 */
public record TableDef(String name, SyncMode sync, ConflictPolicy conflict, SyncFilter filter,
                       List<ColumnDef> columns, List<String> primaryKey, List<IndexDef> indexes,
                       boolean deviceWritable) {

    public TableDef {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        indexes = List.copyOf(indexes);
    }

    public Optional<ColumnDef> column(String columnName) {
        for (ColumnDef c : columns) {
            if (c.name().equals(columnName)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    public boolean isSynced() {
        return sync == SyncMode.MOBILE_SYNCED;
    }

    /** Described to devices (app-instructions): synced and mobile-only tables, never web-only. */
    public boolean isOnDevice() {
        return sync != SyncMode.WEB_ONLY;
    }
}

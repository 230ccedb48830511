package io.posduif.functions.sync;

import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.schema.SyncFilter;
import io.posduif.functions.schema.SyncMode;
import io.posduif.functions.schema.TableDef;

import java.util.List;

/** Table definitions shared by sync tests. */
final class SyncTables {

    private SyncTables() {
    }

    /** {@code notes(id uuid pk, owner uuid, body text, n integer, at timestamp)} visible to its owner. */
    static TableDef notes(ConflictPolicy policy) {
        return notes("notes", policy, new OwnerFilter("notes", "owner"));
    }

    static TableDef notes(String name, ConflictPolicy policy, SyncFilter filter) {
        return new TableDef(name, SyncMode.MOBILE_SYNCED, policy, filter,
                List.of(new ColumnDef("id", ColumnType.UUID, false, null, true, false),
                        new ColumnDef("owner", ColumnType.UUID, true, null, false, false),
                        new ColumnDef("body", ColumnType.TEXT, true, null, false, false),
                        new ColumnDef("n", ColumnType.INTEGER, true, null, false, false),
                        new ColumnDef("at", ColumnType.TIMESTAMP, true, null, false, false),
                        new ColumnDef("secret", ColumnType.TEXT, true, null, false, true)),
                List.of("id"), List.of(), true);
    }
}

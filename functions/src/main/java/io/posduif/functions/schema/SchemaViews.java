package io.posduif.functions.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;

import java.util.List;

/** Wire shapes of a schema (docs/protocol.md §4 and the web console's read-only view). */
final class SchemaViews {

    private SchemaViews() {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record ColumnView(String name, String type, boolean primaryKey, boolean nullable, String defaultValue, boolean serverOwned) {
        static ColumnView of(ColumnDef c) {
            return new ColumnView(c.name(), c.type().wireName(), c.primaryKey(), c.nullable(), c.defaultValue(), c.serverOwned());
        }
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record IndexView(String name, List<String> columns, boolean unique) {
        static IndexView of(IndexDef i) {
            return new IndexView(i.name(), i.columns(), i.unique());
        }
    }

    /**
     * One table. {@code conflict}/{@code filter} are null for tables that are not synced;
     * {@code sqliteDdl} is null in the console's view (devices get it in app-instructions).
     */
    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record TableView(String name, String sync, String conflict, boolean deviceWritable, String filter,
                     List<ColumnView> columns, List<String> primaryKey, List<IndexView> indexes, List<String> sqliteDdl) {
        static TableView of(TableDef t, boolean withDdl) {
            return new TableView(t.name(), t.sync().wireName(), t.isSynced() ? t.conflict().wireName() : null,
                    t.sync() != SyncMode.WEB_ONLY && t.deviceWritable(), t.filter() == null ? null : t.filter().source(),
                    t.columns().stream().map(ColumnView::of).toList(), t.primaryKey(),
                    t.indexes().stream().map(IndexView::of).toList(), withDdl ? SqliteDdl.createTable(t) : null);
        }
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record SchemaView(int version, String checksum, List<TableView> tables) {
    }
}

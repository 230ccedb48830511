package io.posduif.functions.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** The history of applied versions of a tenant (admin API and CLI). */
@Singleton
public class SchemaVersions {

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record VersionInfo(int version, String checksum, String appliedAt, String appliedBy, Object plan) {
    }

    private final Db db;
    private final JsonMapper json;

    SchemaVersions(Db db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /** Newest first. */
    public List<VersionInfo> list(TenantId tenant) {
        return db.withConnection(c -> {
            List<VersionInfo> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT version, checksum, applied_at, applied_by, plan::text FROM "
                    + Sql.q(tenant.schema(), "posduif_schema_versions") + " ORDER BY version DESC");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Object plan;
                    try {
                        plan = json.readValue(rs.getString(5), Object.class);
                    } catch (IOException e) {
                        plan = rs.getString(5);
                    }
                    out.add(new VersionInfo(rs.getInt(1), rs.getString(2),
                            ColumnType.WIRE_TIMESTAMP.format(rs.getTimestamp(3).toInstant()), rs.getString(4), plan));
                }
            }
            return out;
        });
    }
}

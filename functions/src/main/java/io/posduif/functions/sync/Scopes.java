package io.posduif.functions.sync;

import io.micronaut.json.JsonMapper;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.schema.TenantSchema;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bucket keys: which a device subscribes to, and whether a row is visible to it.
 *
 * <p>A device's parameters are {@code user_id}, {@code device_id} and its user's attributes as
 * {@code user.<name>} (string or list of strings).
 */
@Singleton
public class Scopes {

    private final JsonMapper json;

    Scopes(JsonMapper json) {
        this.json = json;
    }

    /**
     * The user's attributes as JSON text (NULL for no such user), as a scalar subquery whose one
     * parameter is the user's id: push and pull read them in a statement that reads other things.
     */
    static String attributesSubquery(String schema) {
        return "(SELECT attributes::text FROM " + Sql.q(schema, "posduif_users") + " WHERE id = ?)";
    }

    /** The principal's parameters, read from its user row. */
    public Map<String, Object> principalParams(Connection c, Caller caller) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + attributesSubquery(caller.tenant().schema()))) {
            ps.setObject(1, caller.userId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return principalParams(caller, rs.getString(1));
            }
        }
    }

    /**
     * The principal's parameters from its user's attributes (JSON object text) read by the caller;
     * null attributes are a user that does not exist (any more): {@code UNAUTHORIZED}.
     */
    public Map<String, Object> principalParams(Caller caller, String attributesJson) {
        if (attributesJson == null) {
            throw new ApiException(ErrorCode.UNAUTHORIZED, "unknown user");
        }
        Map<String, Object> params = new HashMap<>();
        params.put("user_id", caller.userId().toString());
        if (caller.deviceId() != null) {
            params.put("device_id", caller.deviceId());
        }
        try {
            Map<?, ?> attrs = json.readValue(attributesJson, Map.class);
            attrs.forEach((k, v) -> {
                if (v instanceof Collection<?> list) {
                    params.put("user." + k, list.stream().map(String::valueOf).toList());
                } else if (v != null) {
                    params.put("user." + k, String.valueOf(v));
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("user attributes are not a JSON object", e);
        }
        return params;
    }

    /** All bucket keys the principal subscribes to across the tenant's synced tables. */
    public Set<String> bucketsOfPrincipal(TenantSchema schema, Map<String, Object> params) {
        Set<String> out = new LinkedHashSet<>();
        for (TableDef t : schema.tables()) {
            if (t.isSynced()) {
                out.addAll(bucketsOfPrincipal(t, params));
            }
        }
        return out;
    }

    public static List<String> bucketsOfPrincipal(TableDef t, Map<String, Object> params) {
        return t.filter() == null ? List.of(wholeTable(t)) : t.filter().bucketsOfPrincipal(params);
    }

    public static Set<String> bucketsOfRow(TableDef t, Map<String, Object> row) {
        return t.filter() == null ? Set.of(wholeTable(t)) : t.filter().bucketsOfRow(row);
    }

    /** True if the row (wire values) is inside the principal's scope. */
    public static boolean visible(TableDef t, Map<String, Object> row, Collection<String> principalBuckets) {
        return visible(bucketsOfRow(t, row), principalBuckets);
    }

    /** True if a row in {@code rowBuckets} is inside the principal's scope. */
    public static boolean visible(Collection<String> rowBuckets, Collection<String> principalBuckets) {
        for (String b : rowBuckets) {
            if (principalBuckets.contains(b)) {
                return true;
            }
        }
        return false;
    }

    static String wholeTable(TableDef t) {
        return t.name() + "|*";
    }
}

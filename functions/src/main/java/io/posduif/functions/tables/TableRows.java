package io.posduif.functions.tables;

import io.micronaut.json.JsonMapper;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.PgText;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.SchemaRegistry;
import io.posduif.functions.schema.SyncMode;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.tenant.TenantId;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Live access to a tenant's declared tables for web users (the seeds' "direct database access
 * via the API").
 *
 * <p>Every name that reaches SQL is taken from the applied schema, never from the request: the
 * request's table and column names are only used to look a declared one up by exact equality,
 * so a quoted, Unicode-confusable or otherwise crafted name is simply unknown. Values are bound
 * as parameters after conversion by {@link ColumnType}. Writes are ordinary SQL, so the tables'
 * capture triggers record them for devices like any other write.
 */
@Singleton
class TableRows {

    static final int MAX_LIMIT = 1000;
    static final int DEFAULT_LIMIT = 100;
    private static final int MAX_OFFSET = 10_000_000;
    private static final int MAX_IN = 100;
    private static final Set<String> OPS = Set.of("eq", "ne", "lt", "lte", "gt", "gte", "like", "in", "null");

    private final Db db;
    private final SchemaRegistry registry;
    private final JsonMapper json;

    TableRows(Db db, SchemaRegistry registry, JsonMapper json) {
        this.db = db;
        this.registry = registry;
        this.json = json;
    }

    /** One {@code where.<col>[.<op>]=value} condition. */
    record Condition(String column, String op, String value) {
    }

    /** A page of rows. */
    record Page(List<Map<String, Object>> rows, long total, int limit, int offset) {
    }

    /** The declared, server-side table {@code name}, or 404 (mobile-only tables are never reachable). */
    TableDef table(TenantId tenant, String name) {
        TableDef t = registry.current(tenant).table(name).orElse(null);
        if (t == null) {
            throw new ApiException(ErrorCode.UNKNOWN_TABLE, "no table " + shown(name) + " in this tenant's schema");
        }
        if (t.sync() == SyncMode.MOBILE_ONLY) {
            throw new ApiException(ErrorCode.UNKNOWN_TABLE, "table " + t.name() + " is mobile-only: it lives on devices and the server accepts no data for it");
        }
        return t;
    }

    Page list(TenantId tenant, TableDef t, List<Condition> where, List<String> sort, int limit, int offset) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "limit must be between 1 and " + MAX_LIMIT, Map.of("field", "limit"));
        }
        if (offset < 0 || offset > MAX_OFFSET) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "offset must be between 0 and " + MAX_OFFSET, Map.of("field", "offset"));
        }
        List<String> conds = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        for (Condition c : where) {
            condition(t, c, conds, params);
        }
        String whereSql = conds.isEmpty() ? "" : " WHERE " + String.join(" AND ", conds);
        List<String> order = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String s : sort) {
            boolean desc = s.startsWith("-");
            ColumnDef c = column(t, desc ? s.substring(1) : s, "sort");
            if (c.type() == ColumnType.JSON || c.type() == ColumnType.BLOB) {
                throw new ApiException(ErrorCode.INVALID_VALUE, "cannot sort by " + c.type().wireName() + " column " + c.name(), Map.of("field", "sort"));
            }
            if (!seen.contains(c.name())) {
                seen.add(c.name());
                order.add(Sql.q(c.name()) + (desc ? " DESC" : " ASC") + " NULLS LAST");
            }
        }
        for (String pk : t.primaryKey()) {
            if (!seen.contains(pk)) {
                order.add(Sql.q(pk) + " ASC");
            }
        }
        String from = " FROM " + Sql.q(tenantSchema(tenant), t.name());
        String select = "SELECT " + columnList(t) + from + whereSql + (order.isEmpty() ? "" : " ORDER BY " + String.join(", ", order))
                + " LIMIT ? OFFSET ?";
        return db.withConnection(c -> {
            List<Map<String, Object>> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(select)) {
                int i = bind(ps, params);
                ps.setInt(i++, limit);
                ps.setInt(i, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(row(t, rs));
                    }
                }
            } catch (SQLException e) {
                throw translate(e);
            }
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*)" + from + whereSql)) {
                bind(ps, params);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            } catch (SQLException e) {
                throw translate(e);
            }
            return new Page(rows, total, limit, offset);
        });
    }

    Map<String, Object> get(TenantId tenant, TableDef t, String pkText) {
        Map<String, Object> pk = pk(t, pkText);
        List<Object> params = new ArrayList<>(pk.values());
        return db.withConnection(c -> returning(c, t, "SELECT " + columnList(t) + " FROM " + Sql.q(tenantSchema(tenant), t.name())
                + " WHERE " + pkWhere(t), params));
    }

    Map<String, Object> insert(TenantId tenant, TableDef t, String body) {
        Map<String, Object> values = values(t, body);
        if (values.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "the row has no columns");
        }
        String sql = "INSERT INTO " + Sql.q(tenantSchema(tenant), t.name()) + " ("
                + values.keySet().stream().map(Sql::q).collect(Collectors.joining(", ")) + ") VALUES ("
                + values.keySet().stream().map(k -> "?").collect(Collectors.joining(", ")) + ") RETURNING " + columnList(t);
        return db.inTransaction(c -> returning(c, t, sql, new ArrayList<>(values.values())));
    }

    Map<String, Object> update(TenantId tenant, TableDef t, String pkText, String body) {
        Map<String, Object> pk = pk(t, pkText);
        Map<String, Object> values = values(t, body);
        for (String k : t.primaryKey()) {
            if (values.containsKey(k)) {
                Object v = values.remove(k);
                Object addressed = pk.get(k);
                boolean same = java.util.Objects.equals(v, addressed)
                        || (v instanceof byte[] x && addressed instanceof byte[] y && java.util.Arrays.equals(x, y));
                if (!same) {
                    throw new ApiException(ErrorCode.PK_MISMATCH, "the body's " + k + " differs from the row addressed by the path", Map.of("field", k));
                }
            }
        }
        if (values.isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "nothing to update: the body names no non-key column");
        }
        String sql = "UPDATE " + Sql.q(tenantSchema(tenant), t.name()) + " SET "
                + values.keySet().stream().map(k -> Sql.q(k) + " = ?").collect(Collectors.joining(", "))
                + " WHERE " + pkWhere(t) + " RETURNING " + columnList(t);
        List<Object> params = new ArrayList<>(values.values());
        params.addAll(pk.values());
        return db.inTransaction(c -> returning(c, t, sql, params));
    }

    void delete(TenantId tenant, TableDef t, String pkText) {
        Map<String, Object> pk = pk(t, pkText);
        String sql = "DELETE FROM " + Sql.q(tenantSchema(tenant), t.name()) + " WHERE " + pkWhere(t);
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, new ArrayList<>(pk.values()));
                if (ps.executeUpdate() == 0) {
                    throw notFound(t);
                }
                return null;
            } catch (SQLException e) {
                throw translate(e);
            }
        });
    }

    /** The one row {@code sql} answers (a SELECT by key or a write RETURNING it), or 404. */
    private Map<String, Object> returning(Connection c, TableDef t, String sql, List<Object> params) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw notFound(t);
                }
                return row(t, rs);
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    private void condition(TableDef t, Condition cond, List<String> conds, List<Object> params) {
        ColumnDef c = column(t, cond.column(), "where." + cond.column());
        String op = cond.op();
        if (!OPS.contains(op)) {
            throw new ApiException(ErrorCode.INVALID_VALUE, "unknown operator " + shown(op) + "; one of " + String.join(", ", new java.util.TreeSet<>(OPS)),
                    Map.of("field", "where." + c.name()));
        }
        String col = Sql.q(c.name());
        String field = "where." + c.name() + (op.equals("eq") ? "" : "." + op);
        if (op.equals("null")) {
            if (!cond.value().equals("true") && !cond.value().equals("false")) {
                throw new ApiException(ErrorCode.INVALID_VALUE, field + " must be true or false", Map.of("field", field));
            }
            conds.add(col + (cond.value().equals("true") ? " IS NULL" : " IS NOT NULL"));
            return;
        }
        boolean ordered = c.type() != ColumnType.JSON && c.type() != ColumnType.BLOB && c.type() != ColumnType.BOOLEAN;
        boolean comparable = c.type() != ColumnType.JSON && c.type() != ColumnType.BLOB;
        switch (op) {
            case "eq", "ne" -> {
                requireThat(comparable, c, op, field);
                conds.add(col + (op.equals("eq") ? " = ?" : " IS DISTINCT FROM ?"));
                params.add(fromText(c, cond.value(), field));
            }
            case "lt", "lte", "gt", "gte" -> {
                requireThat(ordered, c, op, field);
                conds.add(col + switch (op) {
                    case "lt" -> " < ?";
                    case "lte" -> " <= ?";
                    case "gt" -> " > ?";
                    default -> " >= ?";
                });
                params.add(fromText(c, cond.value(), field));
            }
            case "like" -> {
                requireThat(c.type() == ColumnType.TEXT, c, op, field);
                conds.add(col + " LIKE ?");
                params.add(cond.value());
            }
            case "in" -> {
                requireThat(comparable, c, op, field);
                String[] parts = cond.value().split(",", -1);
                if (parts.length > MAX_IN) {
                    throw new ApiException(ErrorCode.INVALID_VALUE, field + " takes at most " + MAX_IN + " values", Map.of("field", field));
                }
                List<String> marks = new ArrayList<>();
                for (String p : parts) {
                    marks.add("?");
                    params.add(fromText(c, p, field));
                }
                conds.add(col + " IN (" + String.join(", ", marks) + ")");
            }
            default -> throw new IllegalStateException(op);
        }
    }

    private static void requireThat(boolean ok, ColumnDef c, String op, String field) {
        if (!ok) {
            throw new ApiException(ErrorCode.INVALID_VALUE, "operator " + op + " does not apply to " + c.type().wireName() + " column " + c.name(),
                    Map.of("field", field));
        }
    }

    /** A declared column, by exact name; anything else is an unknown column (never quoted and passed on). */
    private static ColumnDef column(TableDef t, String name, String field) {
        return t.column(name).orElseThrow(() -> new ApiException(ErrorCode.UNKNOWN_COLUMN,
                "table " + t.name() + " has no column " + shown(name), Map.of("field", field)));
    }

    /** Converts a query-string or path value to the JDBC value of column {@code c}. */
    private Object fromText(ColumnDef c, String text, String field) {
        try {
            Object wire = switch (c.type()) {
                case INTEGER -> Long.parseLong(text.trim());
                case REAL -> Double.parseDouble(text.trim());
                case BOOLEAN -> switch (text) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> throw new IllegalArgumentException("expected true or false");
                };
                case JSON -> json.readValue(text, Object.class);
                default -> text;
            };
            return c.type().toJdbc(wire);
        } catch (IllegalArgumentException | IOException e) {
            throw new ApiException(ErrorCode.INVALID_VALUE, field + ": " + shown(text) + " is not a valid " + c.type().wireName(), Map.of("field", field));
        }
    }

    /** The request body as declared columns → JDBC values. */
    private Map<String, Object> values(TableDef t, String body) {
        Object parsed;
        try {
            parsed = body == null || body.isBlank() ? null : json.readValue(body, Object.class);
        } catch (IOException | RuntimeException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the body is not valid JSON");
        }
        if (!(parsed instanceof Map<?, ?> m)) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the body must be a JSON object of column values");
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            // U+0000 PostgreSQL refuses (22021, see translate); a lone surrogate the driver would send as
            // '?', storing other text than the client's
            if (PgText.containsLoneSurrogate(e.getValue())) {
                String name = String.valueOf(e.getKey());
                throw new ApiException(ErrorCode.INVALID_VALUE, shown(name) + " " + PgText.UNSTORABLE_REFUSED, Map.of("field", name));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String name = String.valueOf(e.getKey());
            ColumnDef c = column(t, name, name);
            try {
                out.put(c.name(), c.type().toJdbc(e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new ApiException(ErrorCode.INVALID_VALUE, c.name() + ": " + ex.getMessage(), Map.of("field", c.name()));
            }
        }
        return out;
    }

    /** The primary key addressed by a path segment: the value, or a JSON object for composite keys. */
    private Map<String, Object> pk(TableDef t, String text) {
        if (t.primaryKey().isEmpty()) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "table " + t.name() + " has no primary key; rows cannot be addressed");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (t.primaryKey().size() == 1) {
            ColumnDef c = column(t, t.primaryKey().get(0), "pk");
            out.put(c.name(), fromText(c, text, "pk"));
            return out;
        }
        Object parsed;
        try {
            parsed = json.readValue(text, Object.class);
        } catch (IOException | RuntimeException e) {
            parsed = null;
        }
        if (!(parsed instanceof Map<?, ?> m) || m.size() != t.primaryKey().size()) {
            throw new ApiException(ErrorCode.PK_MISMATCH, "table " + t.name() + " has the composite key " + t.primaryKey()
                    + "; address a row with a JSON object of exactly those columns");
        }
        for (String k : t.primaryKey()) {
            if (!m.containsKey(k)) {
                throw new ApiException(ErrorCode.PK_MISMATCH, "key column " + k + " is missing", Map.of("field", k));
            }
            ColumnDef c = column(t, k, "pk");
            try {
                out.put(k, c.type().toJdbc(m.get(k)));
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_VALUE, k + ": " + e.getMessage(), Map.of("field", k));
            }
        }
        return out;
    }

    private static String pkWhere(TableDef t) {
        return t.primaryKey().stream().map(k -> Sql.q(k) + " = ?").collect(Collectors.joining(" AND "));
    }

    private static String columnList(TableDef t) {
        return t.columns().stream().map(c -> Sql.q(c.name())).collect(Collectors.joining(", "));
    }

    private static Map<String, Object> row(TableDef t, ResultSet rs) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        int i = 1;
        for (ColumnDef c : t.columns()) {
            row.put(c.name(), c.type().toWire(rs.getObject(i++)));
        }
        return row;
    }

    private static int bind(PreparedStatement ps, List<Object> params) throws SQLException {
        int i = 1;
        for (Object p : params) {
            ps.setObject(i++, p);
        }
        return i;
    }

    private static String tenantSchema(TenantId tenant) {
        return tenant.schema();
    }

    private static ApiException notFound(TableDef t) {
        return new ApiException(ErrorCode.NOT_FOUND, "no such row in " + t.name());
    }

    /** Constraint violations and bad data are the client's mistake; anything else is ours. */
    private static RuntimeException translate(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("23")) {
            String what = switch (state) {
                case "23505" -> "a row with this key or unique value already exists";
                case "23502" -> "a required column is missing (NOT NULL)";
                default -> "the row breaks a constraint";
            };
            return new ApiException(ErrorCode.VALIDATION_ERROR, what, Map.of("sqlstate", state));
        }
        if (state.startsWith("22")) {
            return new ApiException(ErrorCode.INVALID_VALUE, "a value does not fit its column", Map.of("sqlstate", state));
        }
        return new Db.DatabaseException(e);
    }

    private static String shown(String s) {
        StringBuilder b = new StringBuilder("'");
        for (int k = 0; k < s.length() && k < 80; k++) {
            char ch = s.charAt(k);
            b.append(ch < 0x20 || ch > 0x7e ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
        }
        return b.append('\'').toString();
    }
}

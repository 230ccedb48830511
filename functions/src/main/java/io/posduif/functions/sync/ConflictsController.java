package io.posduif.functions.sync;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.json.JsonMapper;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.http.GzipBodies;
import io.posduif.functions.realtime.RealtimeEvent;
import io.posduif.functions.realtime.RealtimePublisher;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.TableDef;
import io.posduif.protocol.ErrorCode;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Manual conflicts for web users: {@code GET /api/conflicts}, {@code POST /api/conflicts/{id}/resolve}.
 *
 * <p>Resolving writes the chosen version as an ordinary server write, so capture records it and
 * every device in scope pulls it — including the device whose write was parked.
 */
@Controller("/api/conflicts")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class ConflictsController {

    private final Db db;
    private final TenantSchemas schemas;
    private final JsonMapper json;
    private final RealtimePublisher realtime;
    private final PullService pull;
    private final GzipBodies gzip;

    ConflictsController(Db db, TenantSchemas schemas, JsonMapper json, RealtimePublisher realtime, PullService pull, GzipBodies gzip) {
        this.gzip = gzip;
        this.db = db;
        this.schemas = schemas;
        this.json = json;
        this.realtime = realtime;
        this.pull = pull;
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    @ApiResponse(responseCode = "200", description = "The conflicts",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ConflictsWire.ConflictList.class)))
    Map<String, Object> list(Caller caller, @Nullable @QueryValue String status) {
        caller.requireWeb();
        String st = status == null ? "open" : status;
        if (!Set.of("open", "resolved", "all").contains(st)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "status must be open, resolved or all", Map.of("field", "status"));
        }
        return db.withConnection(c -> {
            List<Map<String, Object>> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(select(caller) + (st.equals("all") ? "" : " WHERE status = ?")
                    + " ORDER BY created_at LIMIT 1000")) {
                if (!st.equals("all")) {
                    ps.setString(1, st);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                }
            }
            return Map.of("conflicts", out);
        });
    }

    @Post(value = "/{id}/resolve", consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    @ApiResponse(responseCode = "200", description = "The resolved conflict",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ConflictsWire.Conflict.class)))
    Map<String, Object> resolve(Caller caller, @PathVariable String id,
                             @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ConflictsWire.Resolution.class))) @Nullable @Body byte[] raw) {
        caller.requireWeb();
        byte[] body = gzip.decode(raw);
        UUID conflictId;
        try {
            conflictId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.NOT_FOUND, "no such conflict");
        }
        Map<?, ?> req;
        try {
            req = body == null ? null : json.readValue(body, Map.class);
        } catch (IOException | RuntimeException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "body is not a JSON object");
        }
        if (req == null || !(req.get("resolution") instanceof String resolution)
                || !Set.of("server", "client", "merged").contains(resolution)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "resolution must be server, client or merged", Map.of("field", "resolution"));
        }
        if (resolution.equals("merged") && !(req.get("row") instanceof Map<?, ?>)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "a merged resolution needs the row", Map.of("field", "row"));
        }
        if (resolution.equals("merged") && io.posduif.functions.db.PgText.unstorable(req.get("row"))) {
            throw new ApiException(ErrorCode.INVALID_VALUE, "row " + io.posduif.functions.db.PgText.UNSTORABLE_REFUSED, Map.of("field", "row"));
        }
        Set<String> buckets = new LinkedHashSet<>();
        Map<String, Object> result = db.inTransaction(c -> {
            Map<String, Object> conflict;
            try (PreparedStatement ps = c.prepareStatement(select(caller) + " WHERE id = ? FOR UPDATE")) {
                ps.setObject(1, conflictId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new ApiException(ErrorCode.NOT_FOUND, "no such conflict");
                    }
                    conflict = row(rs);
                }
            }
            if (!"open".equals(conflict.get("status"))) {
                throw new ApiException(ErrorCode.CONFLICT_RESOLVED, "the conflict is already resolved");
            }
            TableDef t = schemas.current(caller.tenant()).table((String) conflict.get("table"))
                    .orElseThrow(() -> new ApiException(ErrorCode.UNKNOWN_TABLE, "the conflict's table no longer exists"));
            @SuppressWarnings("unchecked") Map<String, Object> pk = (Map<String, Object>) conflict.get("pk");
            if (resolution.equals("client")) {
                if ("delete".equals(conflict.get("op"))) {
                    delete(c, caller, t, pk);
                } else {
                    @SuppressWarnings("unchecked") Map<String, Object> clientRow = (Map<String, Object>) conflict.get("client_row");
                    upsert(c, caller, t, pk, clientRow);
                }
            } else if (resolution.equals("merged")) {
                @SuppressWarnings("unchecked") Map<String, Object> merged = (Map<String, Object>) req.get("row");
                upsert(c, caller, t, pk, merged);
            }
            if (!resolution.equals("server")) {
                if (t.filter() == null) {
                    buckets.add(t.name() + "|*");
                } else {
                    @SuppressWarnings("unchecked") Map<String, Object> sr = (Map<String, Object>) conflict.get("server_row");
                    if (sr != null) {
                        buckets.addAll(t.filter().bucketsOfRow(sr));
                    }
                    Object r = resolution.equals("merged") ? req.get("row") : conflict.get("client_row");
                    if (r instanceof Map<?, ?> m) {
                        @SuppressWarnings("unchecked") Map<String, Object> mm = (Map<String, Object>) m;
                        buckets.addAll(t.filter().bucketsOfRow(mm));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + Sql.q(caller.tenant().schema(), "posduif_conflicts")
                    + " SET status = 'resolved', resolution = ?, resolved_by = ?, resolved_at = now() WHERE id = ?")) {
                ps.setString(1, resolution);
                ps.setObject(2, caller.userId());
                ps.setObject(3, conflictId);
                ps.executeUpdate();
            }
            RealtimePublisher.markPublished(c);
            conflict.put("status", "resolved");
            conflict.put("resolution", resolution);
            return conflict;
        });
        if (!buckets.isEmpty()) {
            String cursor = db.withConnection(c -> pull.currentCursor(c, caller.tenant().schema()));
            realtime.publish(caller.tenant(), RealtimeEvent.syncRequired(buckets, cursor));
        }
        return result;
    }

    private void upsert(Connection c, Caller caller, TableDef t, Map<String, Object> pk, Map<String, Object> given) throws SQLException {
        if (given == null) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "the conflict has no client row");
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : given.entrySet()) {
            ColumnDef col = t.column(e.getKey()).orElseThrow(() ->
                    new ApiException(ErrorCode.UNKNOWN_COLUMN, "column " + e.getKey() + " is not declared", Map.of("field", "row." + e.getKey())));
            Object v;
            try {
                v = PushService.canonical(col, e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new ApiException(ErrorCode.INVALID_VALUE, col.name() + ": " + ex.getMessage(), Map.of("field", "row." + col.name()));
            }
            if (col.type() == ColumnType.BLOB && v instanceof String b64) {
                v = "\\x" + HexFormat.of().formatHex(Base64.getDecoder().decode(b64));
            }
            row.put(col.name(), v);
        }
        for (String k : t.primaryKey()) {
            if (row.containsKey(k) && !Objects.equals(row.get(k), pk.get(k))) {
                throw new ApiException(ErrorCode.PK_MISMATCH, "the row's key must stay " + pk, Map.of("field", "row." + k));
            }
            row.put(k, pk.get(k));
        }
        String s = caller.tenant().schema();
        List<String> cols = new ArrayList<>(row.keySet());
        String colList = String.join(", ", cols.stream().map(Sql::q).toList());
        String pkCols = String.join(", ", t.primaryKey().stream().map(Sql::q).toList());
        List<String> sets = cols.stream().filter(x -> !t.primaryKey().contains(x)).map(x -> Sql.q(x) + " = EXCLUDED." + Sql.q(x)).toList();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Sql.q(s, t.name()) + " (" + colList + ") SELECT " + colList
                + " FROM jsonb_populate_record(NULL::" + Sql.q(s, t.name()) + ", ?::jsonb) ON CONFLICT (" + pkCols + ") DO "
                + (sets.isEmpty() ? "NOTHING" : "UPDATE SET " + String.join(", ", sets)))) {
            ps.setString(1, json.writeValueAsString(row));
            ps.executeUpdate();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                throw new ApiException(ErrorCode.VALIDATION_ERROR, "the row violates a constraint: " + e.getMessage());
            }
            throw e;
        }
    }

    private void delete(Connection c, Caller caller, TableDef t, Map<String, Object> pk) throws SQLException {
        String s = caller.tenant().schema();
        String pkCols = String.join(", ", t.primaryKey().stream().map(Sql::q).toList());
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + Sql.q(s, t.name()) + " WHERE (" + pkCols + ") IN (SELECT "
                + pkCols + " FROM jsonb_populate_record(NULL::" + Sql.q(s, t.name()) + ", ?::jsonb))")) {
            ps.setString(1, json.writeValueAsString(pk));
            ps.executeUpdate();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String select(Caller caller) {
        return "SELECT id, tbl, pk::text, op, device_id, user_id, op_id, client_ts, client_row::text, server_row::text, status, "
                + "resolution, resolved_by, resolved_at, created_at FROM " + Sql.q(caller.tenant().schema(), "posduif_conflicts");
    }

    private Map<String, Object> row(ResultSet rs) throws SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", rs.getString(1));
        m.put("table", rs.getString(2));
        m.put("pk", parse(rs.getString(3)));
        m.put("op", rs.getString(4));
        m.put("device_id", rs.getString(5));
        m.put("user_id", rs.getString(6));
        m.put("op_id", rs.getString(7));
        m.put("client_ts", ColumnType.TIMESTAMP.toWire(rs.getTimestamp(8)));
        m.put("client_row", parse(rs.getString(9)));
        m.put("server_row", parse(rs.getString(10)));
        m.put("status", rs.getString(11));
        m.put("resolution", rs.getString(12));
        m.put("resolved_by", rs.getString(13));
        m.put("resolved_at", rs.getTimestamp(14) == null ? null : ColumnType.TIMESTAMP.toWire(rs.getTimestamp(14)));
        m.put("created_at", ColumnType.TIMESTAMP.toWire(rs.getTimestamp(15)));
        return m;
    }

    private Object parse(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readValue(text, Object.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

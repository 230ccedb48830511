package io.posduif.functions.tables;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.auth.Caller;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.http.GzipBodies;
import io.posduif.functions.schema.TableDef;
import io.posduif.protocol.ErrorCode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/tables/{table}/rows}: live, tenant-scoped access to declared web-only and
 * mobile-synced tables for web users. Query: {@code where.<col>=v} (equality) or
 * {@code where.<col>.<op>=v} with op in eq ne lt lte gt gte like in null; {@code sort=a,-b};
 * {@code limit} (1..1000, default 100) and {@code offset}. Device tokens are refused: devices
 * sync through push and pull, where scopes and conflict rules apply.
 */
@Controller("/api/tables")
@Secured(SecurityRule.IS_AUTHENTICATED)
final class TableRowsController {

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record RowsPage(String table, List<Map<String, Object>> rows, long total, int limit, int offset, boolean hasMore) {
    }

    private final TableRows rows;
    private final GzipBodies gzip;

    TableRowsController(TableRows rows, GzipBodies gzip) {
        this.gzip = gzip;
        this.rows = rows;
    }

    @Get("/{table}/rows")
    RowsPage list(Caller caller, @PathVariable String table, HttpRequest<?> request) {
        caller.requireWeb();
        TableDef t = rows.table(caller.tenant(), table);
        List<TableRows.Condition> where = new ArrayList<>();
        List<String> sort = new ArrayList<>();
        int limit = TableRows.DEFAULT_LIMIT;
        int offset = 0;
        for (String name : request.getParameters().names()) {
            List<String> values = request.getParameters().getAll(name);
            if (name.equals("limit")) {
                limit = integer(single(name, values), "limit");
            } else if (name.equals("offset")) {
                offset = integer(single(name, values), "offset");
            } else if (name.equals("sort")) {
                for (String v : values) {
                    for (String s : v.split(",", -1)) {
                        sort.add(s.strip());
                    }
                }
            } else if (name.startsWith("where.")) {
                String rest = name.substring("where.".length());
                int dot = rest.lastIndexOf('.');
                String column = dot < 0 ? rest : rest.substring(0, dot);
                String op = dot < 0 ? "eq" : rest.substring(dot + 1);
                for (String v : values) {
                    where.add(new TableRows.Condition(column, op, v));
                }
            } else {
                throw new ApiException(ErrorCode.VALIDATION_ERROR, "unknown query parameter; use where.<column>[.<op>], sort, limit, offset",
                        Map.of("field", name.length() > 80 ? name.substring(0, 80) : name));
            }
        }
        TableRows.Page page = rows.list(caller.tenant(), t, where, sort, limit, offset);
        return new RowsPage(t.name(), page.rows(), page.total(), page.limit(), page.offset(),
                (long) page.offset() + page.rows().size() < page.total());
    }

    @Get("/{table}/rows/{pk}")
    @ApiResponse(responseCode = "200", description = "The row",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRowsWire.Row.class)))
    Map<String, Object> get(Caller caller, @PathVariable String table, @PathVariable String pk) {
        caller.requireWeb();
        return rows.get(caller.tenant(), rows.table(caller.tenant(), table), pk);
    }

    @Post("/{table}/rows")
    @ApiResponse(responseCode = "201", description = "The stored row, defaults applied",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRowsWire.Row.class)))
    @Consumes(MediaType.APPLICATION_JSON)
    HttpResponse<Map<String, Object>> insert(Caller caller, @PathVariable String table,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = TableRowsWire.Row.class)),
            description = "Column values of the new row; omitted columns take their defaults.") @Nullable @Body byte[] body) {
        caller.requireWeb();
        TableDef t = rows.table(caller.tenant(), table);
        return HttpResponse.<Map<String, Object>>status(HttpStatus.CREATED).body(rows.insert(caller.tenant(), t, gzip.text(body)));
    }

    @Put("/{table}/rows/{pk}")
    @ApiResponse(responseCode = "200", description = "The updated row",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TableRowsWire.Row.class)))
    @Consumes(MediaType.APPLICATION_JSON)
    Map<String, Object> update(Caller caller, @PathVariable String table, @PathVariable String pk,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = TableRowsWire.Row.class)),
            description = "The columns to change; key columns, if present, must equal the path's.") @Nullable @Body byte[] body) {
        caller.requireWeb();
        TableDef t = rows.table(caller.tenant(), table);
        return rows.update(caller.tenant(), t, pk, gzip.text(body));
    }

    @Delete("/{table}/rows/{pk}")
    HttpResponse<Void> delete(Caller caller, @PathVariable String table, @PathVariable String pk) {
        caller.requireWeb();
        rows.delete(caller.tenant(), rows.table(caller.tenant(), table), pk);
        return HttpResponse.noContent();
    }

    private static String single(String name, List<String> values) {
        if (values.size() != 1) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, name + " given more than once", Map.of("field", name));
        }
        return values.get(0);
    }

    private static int integer(String v, String field) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, field + " must be a whole number", Map.of("field", field));
        }
    }
}

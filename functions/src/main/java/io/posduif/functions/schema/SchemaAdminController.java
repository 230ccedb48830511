package io.posduif.functions.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.json.JsonMapper;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.http.GzipBodies;
import io.posduif.functions.schema.SchemaViews.SchemaView;
import io.posduif.functions.schema.SchemaViews.TableView;
import io.posduif.protocol.ErrorCode;
import io.swagger.v3.oas.annotations.media.Schema;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Schema administration for a tenant's web admins, and the read-only schema view of the web
 * console. The tenant is the caller's; a schema is never applied to another tenant from here.
 *
 * <p>The body is the YAML file itself ({@code text/plain}, {@code application/yaml}) or JSON
 * {@code {"source": "...", "allow_destructive": false, "file": "demo.yaml"}}.
 */
@Controller("/api")
@Secured(SecurityRule.IS_AUTHENTICATED)
final class SchemaAdminController {


    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Validated(boolean valid, String checksum, List<String> tables) {
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Versions(List<SchemaVersions.VersionInfo> versions) {
    }

    /** What a request asks for; as JSON it is also the documented body (snake_case on the wire). */
    @Schema(name = "SchemaSource")
    record Request(
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED, pattern = "[A-Za-z0-9._-]{1,100}",
                    description = "Name used in error locations (default schema.yaml).") String file,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "The schema file (YAML) as a string.") String source,
            @Schema(requiredMode = Schema.RequiredMode.NOT_REQUIRED, description = "true: allow dropping tables or columns.")
            boolean allowDestructive) {
    }

    private final SchemaApplier applier;
    private final SchemaRegistry registry;
    private final SchemaVersions versions;
    private final JsonMapper json;
    private final GzipBodies gzip;

    SchemaAdminController(SchemaApplier applier, SchemaRegistry registry, SchemaVersions versions, JsonMapper json, GzipBodies gzip) {
        this.gzip = gzip;
        this.applier = applier;
        this.registry = registry;
        this.versions = versions;
        this.json = json;
    }

    @Post("/admin/schema/validate")
    @Consumes({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml"})
    Validated validate(Caller caller, HttpRequest<?> request, @SchemaFileBody @Nullable @Body byte[] body) {
        caller.requireWeb().requireAdmin();
        Request r = read(request, body);
        SchemaDefinition def = SchemaParser.parse(r.file(), r.source());
        return new Validated(true, def.checksum(), def.tables().stream().map(TableDef::name).toList());
    }

    @Post("/admin/schema/plan")
    @Consumes({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml"})
    SchemaApplier.Result plan(Caller caller, HttpRequest<?> request, @SchemaFileBody @Nullable @Body byte[] body) {
        caller.requireWeb().requireAdmin();
        Request r = read(request, body);
        return applier.plan(caller.tenant(), SchemaParser.parse(r.file(), r.source()));
    }

    @Post("/admin/schema/apply")
    @Consumes({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml"})
    SchemaApplier.Result apply(Caller caller, HttpRequest<?> request, @SchemaFileBody @Nullable @Body byte[] body) {
        caller.requireWeb().requireAdmin();
        Request r = read(request, body);
        return applier.apply(caller.tenant(), SchemaParser.parse(r.file(), r.source()), r.allowDestructive(), "web:" + caller.userId());
    }

    @Get("/admin/schema/versions")
    Versions versions(Caller caller) {
        caller.requireWeb().requireAdmin();
        return new Versions(versions.list(caller.tenant()));
    }

    /** The applied schema for the web console: tables, sync modes, filters and version. */
    @Get("/schema")
    SchemaView schema(Caller caller) {
        caller.requireWeb();
        TenantSchema s = registry.current(caller.tenant());
        return new SchemaView(s.version(), s.checksum(), s.tables().stream().map(t -> TableView.of(t, false)).toList());
    }

    private Request read(HttpRequest<?> request, byte[] body) {
        return read(json, request, body, gzip);
    }

    /** The schema source of a request: the YAML body itself, or JSON {@code {"source", "allow_destructive", "file"}}. */
    /** The schema file from a body that is the YAML itself or {@code {"source": …}}; gzip is inflated by {@code gzip}. */
    static Request read(JsonMapper json, HttpRequest<?> request, byte[] raw, GzipBodies gzip) {
        String body = gzip.text(raw);
        if (body == null || body.isBlank()) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "the body must be the schema file (YAML) or {\"source\": \"...\"}");
        }
        boolean isJson = request.getContentType().map(t -> t.getSubtype().equals("json")).orElse(false);
        boolean flag = "true".equals(request.getParameters().get("allow_destructive"));
        if (!isJson) {
            return new Request("schema.yaml", body, flag);
        }
        Map<?, ?> m;
        try {
            m = json.readValue(body, Map.class);
        } catch (IOException | RuntimeException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the body is not valid JSON");
        }
        if (m == null || !(m.get("source") instanceof String source)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "'source' must be the schema file as a string", Map.of("field", "source"));
        }
        Object allow = m.get("allow_destructive");
        if (allow != null && !(allow instanceof Boolean)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "'allow_destructive' must be true or false", Map.of("field", "allow_destructive"));
        }
        Object file = m.get("file");
        String fileName = file instanceof String f && f.matches("[A-Za-z0-9._-]{1,100}") ? f : "schema.yaml";
        return new Request(fileName, source, flag || Boolean.TRUE.equals(allow));
    }
}

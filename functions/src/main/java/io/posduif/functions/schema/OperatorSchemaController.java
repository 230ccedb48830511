package io.posduif.functions.schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.json.JsonMapper;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.http.GzipBodies;
import io.posduif.functions.ops.OperatorToken;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import io.posduif.protocol.ErrorCode;

import java.util.List;

/**
 * The operator's schema API ({@code POSDUIF_ADMIN_TOKEN}): plan and apply a tenant's schema
 * where no web admin exists yet and no CLI can run (a fresh Lambda deployment). Same bodies
 * and answers as the web admin's {@code /api/admin/schema/*}.
 */
@Controller("/api/admin/tenants/{id}/schema")
@Secured(SecurityRule.IS_ANONYMOUS)
final class OperatorSchemaController {

    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Versions(List<SchemaVersions.VersionInfo> versions) {
    }

    private final OperatorToken operator;
    private final Tenants tenants;
    private final SchemaApplier applier;
    private final SchemaVersions versions;
    private final JsonMapper json;
    private final GzipBodies gzip;

    OperatorSchemaController(OperatorToken operator, Tenants tenants, SchemaApplier applier, SchemaVersions versions, JsonMapper json,
                             GzipBodies gzip) {
        this.gzip = gzip;
        this.operator = operator;
        this.tenants = tenants;
        this.applier = applier;
        this.versions = versions;
        this.json = json;
    }

    @Post("/plan")
    @Consumes({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml"})
    SchemaApplier.Result plan(@PathVariable String id, HttpRequest<?> request, @SchemaFileBody @Nullable @Body byte[] body) {
        TenantId tenant = tenant(id, request);
        SchemaAdminController.Request r = SchemaAdminController.read(json, request, body, gzip);
        return applier.plan(tenant, SchemaParser.parse(r.file(), r.source()));
    }

    @Post("/apply")
    @Consumes({MediaType.TEXT_PLAIN, MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml"})
    SchemaApplier.Result apply(@PathVariable String id, HttpRequest<?> request, @SchemaFileBody @Nullable @Body byte[] body) {
        TenantId tenant = tenant(id, request);
        SchemaAdminController.Request r = SchemaAdminController.read(json, request, body, gzip);
        return applier.apply(tenant, SchemaParser.parse(r.file(), r.source()), r.allowDestructive(), "operator");
    }

    @Get("/versions")
    Versions versions(@PathVariable String id, HttpRequest<?> request) {
        return new Versions(versions.list(tenant(id, request)));
    }

    private TenantId tenant(String id, HttpRequest<?> request) {
        operator.require(request);
        if (!TenantId.isValid(id) || !tenants.exists(id)) {
            throw new ApiException(ErrorCode.TENANT_NOT_FOUND, "no such tenant");
        }
        return new TenantId(id);
    }
}

package io.posduif.functions.tenant;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.posduif.functions.http.ApiException;
import io.posduif.functions.ops.OperatorToken;
import io.posduif.protocol.ErrorCode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The operator's tenant API. Not behind JWT security: it has its own credential
 * ({@link OperatorToken}), checked first on every call.
 */
@Controller("/api/admin/tenants")
@Secured(SecurityRule.IS_ANONYMOUS)
class AdminTenantController {

    private final Tenants tenants;
    private final OperatorToken operator;

    AdminTenantController(Tenants tenants, OperatorToken operator) {
        this.tenants = tenants;
        this.operator = operator;
    }

    @Serdeable(naming = SnakeCaseStrategy.class)
    record TenantView(String id, String schema, String role, Instant createdAt) {
        static TenantView of(Tenants.TenantInfo t) {
            return new TenantView(t.id(), t.schema(), t.role(), t.createdAt());
        }
    }

    @Serdeable
    record TenantList(List<TenantView> tenants) {
    }

    @Serdeable
    record Dropped(String id, boolean dropped) {
    }

    @Post
    HttpResponse<TenantView> create(HttpRequest<?> request, @Nullable @Body JsonNode body) {
        operator.require(request);
        // read as a tree: a typed binding would quietly accept ["a"] or 42 as the id
        JsonNode id0 = body == null || !body.isObject() ? null : body.get("id");
        TenantId id = tenantId(id0 != null && id0.isString() ? id0.getStringValue() : null);
        boolean created = tenants.create(id);
        TenantView view = TenantView.of(tenants.find(id.value()).orElseThrow());
        return HttpResponse.<TenantView>status(created ? HttpStatus.CREATED : HttpStatus.OK).body(view);
    }

    @Get
    TenantList list(HttpRequest<?> request) {
        operator.require(request);
        return new TenantList(tenants.list().stream().map(TenantView::of).toList());
    }

    @Delete("/{id}")
    Dropped drop(HttpRequest<?> request, @PathVariable String id, @Nullable @QueryValue String confirm) {
        operator.require(request);
        TenantId tenant = tenantId(id);
        if (!tenant.value().equals(confirm)) {
            throw new ApiException(ErrorCode.CONFIRMATION_REQUIRED,
                    "dropping a tenant deletes all its data: repeat its id as ?confirm=" + tenant.value());
        }
        if (tenants.find(tenant.value()).isEmpty()) {
            throw new ApiException(ErrorCode.TENANT_NOT_FOUND, "no such tenant");
        }
        tenants.drop(tenant, confirm);
        return new Dropped(tenant.value(), true);
    }

    private static TenantId tenantId(@Nullable String id) {
        if (!TenantId.isValid(id)) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "id must match [a-z][a-z0-9_]{0,39}",
                    Map.of("field", "id"));
        }
        return new TenantId(id);
    }
}

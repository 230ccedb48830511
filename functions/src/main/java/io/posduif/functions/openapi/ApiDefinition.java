package io.posduif.functions.openapi;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeIn;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.info.License;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import io.swagger.v3.oas.annotations.security.SecuritySchemes;

/**
 * Where the OpenAPI document starts: micronaut-openapi reads this at compile time and writes
 * {@code META-INF/swagger/posduif.yml} from it and every controller; {@link OpenApiDocument}
 * completes it (error responses, per-operation security) and {@code GET /openapi.yml} serves it.
 *
 * <p>The three credentials of docs/protocol.md §1 are three schemes, so that a client generator
 * knows which token goes where; web and device JWTs are both bearer tokens but never pass for
 * each other.
 */
@OpenAPIDefinition(info = @Info(
        title = "Posduif",
        version = ApiDefinition.VERSION,
        description = """
                Offline-first, multi-tenant sync engine: enrollment, runtime schema, push and pull for devices; \
                login, users, devices, enrollment and schema administration for web users. \
                The wire contract is docs/protocol.md; every non-2xx answer has the body \
                `{"error":{"code","message","details"}}` (component `Error`).""",
        license = @License(name = "Apache-2.0")))
@SecuritySchemes({
        @SecurityScheme(name = ApiDefinition.WEB_TOKEN, type = SecuritySchemeType.HTTP, scheme = "bearer",
                bearerFormat = "JWT", in = SecuritySchemeIn.HEADER,
                description = "Web user access token (`typ` web, `aud` posduif-web) from POST /api/auth/login or /api/auth/oidc."),
        @SecurityScheme(name = ApiDefinition.DEVICE_TOKEN, type = SecuritySchemeType.HTTP, scheme = "bearer",
                bearerFormat = "JWT", in = SecuritySchemeIn.HEADER,
                description = "Device access token (`typ` device, `aud` posduif-device) from enrollment or POST /api/devices/token."),
        @SecurityScheme(name = ApiDefinition.OPERATOR_TOKEN, type = SecuritySchemeType.HTTP, scheme = "bearer",
                in = SecuritySchemeIn.HEADER,
                description = "The deployment's static operator token (POSDUIF_ADMIN_TOKEN); admin API only.")
})
final class ApiDefinition {

    /** The version of the wire contract (docs/protocol.md "Status: v1"), not of the build. */
    static final String VERSION = "1";

    static final String WEB_TOKEN = "webToken";
    static final String DEVICE_TOKEN = "deviceToken";
    static final String OPERATOR_TOKEN = "operatorToken";

    private ApiDefinition() {
    }
}

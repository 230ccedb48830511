package io.posduif.functions.openapi;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.posduif.functions.http.ErrorBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/**
 * Serves the API's own description. Anonymous: it describes what exists, not anybody's data,
 * and client generators fetch it without credentials.
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
@Tag(name = "openapi")
class OpenApiController {

    static final String YAML = "application/yaml";

    private final OpenApiDocument document;

    OpenApiController(OpenApiDocument document) {
        this.document = document;
    }

    @Get(value = "/openapi.yml", produces = YAML)
    @Operation(summary = "This OpenAPI document.")
    @ApiResponse(responseCode = "200", description = "The document (OpenAPI 3.0, YAML)",
            content = @Content(mediaType = YAML, schema = @Schema(type = "string")))
    // The one error body of the whole API; naming it here is what puts its schema into the document.
    @ApiResponse(responseCode = "4XX", description = "Error",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = ErrorBody.class)))
    HttpResponse<String> openapi() {
        return HttpResponse.ok(document.yaml()).header(HttpHeaders.CACHE_CONTROL, "no-cache");
    }
}

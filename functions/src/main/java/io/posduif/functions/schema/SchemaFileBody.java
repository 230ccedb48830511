package io.posduif.functions.schema;

import io.micronaut.http.MediaType;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The documented body of every schema validate/plan/apply endpoint (web admin and operator):
 * the schema file as YAML, or JSON wrapping it ({@link SchemaAdminController.Request}). One
 * definition, so the five endpoints cannot drift apart in the OpenAPI document.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
@RequestBody(required = true, description = "The schema file (docs/schema-format.md): the YAML itself, or JSON wrapping it. "
        + "Query ?allow_destructive=true (or allow_destructive in the JSON) allows dropping tables or columns on plan/apply.",
        content = {@Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SchemaAdminController.Request.class)),
                @Content(mediaType = "application/yaml", schema = @Schema(type = "string")),
                @Content(mediaType = "application/x-yaml", schema = @Schema(type = "string")),
                @Content(mediaType = "text/yaml", schema = @Schema(type = "string")),
                @Content(mediaType = MediaType.TEXT_PLAIN, schema = @Schema(type = "string"))})
@interface SchemaFileBody {
}

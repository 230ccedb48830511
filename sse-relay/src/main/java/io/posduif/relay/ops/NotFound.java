package io.posduif.relay.ops;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.posduif.protocol.ErrorCode;

import java.util.Map;

/** Micronaut's own 404/405 in the wire error format (docs/protocol.md §2). */
@Controller
class NotFound {

    @Error(status = HttpStatus.NOT_FOUND, global = true)
    HttpResponse<Map<String, Object>> notFound(HttpRequest<?> request) {
        return HttpResponse.<Map<String, Object>>status(HttpStatus.NOT_FOUND).body(body(ErrorCode.NOT_FOUND, "no such path"));
    }

    @Error(status = HttpStatus.METHOD_NOT_ALLOWED, global = true)
    HttpResponse<Map<String, Object>> methodNotAllowed(HttpRequest<?> request) {
        return HttpResponse.<Map<String, Object>>status(HttpStatus.METHOD_NOT_ALLOWED).body(body(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed"));
    }

    private static Map<String, Object> body(ErrorCode code, String message) {
        return Map.of("error", Map.of("code", code.name(), "message", message, "details", Map.of()));
    }
}

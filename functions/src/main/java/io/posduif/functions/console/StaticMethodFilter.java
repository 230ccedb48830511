package io.posduif.functions.console;

import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.core.annotation.Nullable;
import io.posduif.functions.http.ErrorBody;
import io.posduif.protocol.ErrorCode;

/**
 * The console's files are read-only: Micronaut's static-resource fallback would answer any
 * method with the file, so writes to those paths get the wire-format 405 instead.
 */
@ServerFilter({"/", "/index.html", "/assets/**"})
final class StaticMethodFilter {

    @RequestFilter
    @Nullable
    HttpResponse<ErrorBody> onlyReads(HttpRequest<?> request) {
        HttpMethod m = request.getMethod();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
            return null;
        }
        return HttpResponse.<ErrorBody>status(HttpStatus.METHOD_NOT_ALLOWED)
                .header("Allow", "GET, HEAD")
                .body(ErrorBody.of(ErrorCode.METHOD_NOT_ALLOWED, "the console's files can only be read", null));
    }
}

package io.posduif.functions.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

@Produces
@Singleton
@Requires(classes = {ApiException.class, ExceptionHandler.class})
final class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<ErrorBody>> {

    @Override
    public HttpResponse<ErrorBody> handle(HttpRequest request, ApiException e) {
        MutableHttpResponse<ErrorBody> response = HttpResponse
                .<ErrorBody>status(HttpStatus.valueOf(e.code().httpStatus()))
                .body(ErrorBody.of(e.code(), e.getMessage(), e.details()));
        if (e.code() == io.posduif.protocol.ErrorCode.RATE_LIMITED && e.details().get("retry_after_seconds") != null) {
            response.header("Retry-After", String.valueOf(e.details().get("retry_after_seconds")));
        }
        return response;
    }
}

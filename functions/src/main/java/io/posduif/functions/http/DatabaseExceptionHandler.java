package io.posduif.functions.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.posduif.functions.db.Db;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * A database failure is the server's problem: 503 so clients retry later, and nothing of the
 * SQL error (which can quote data or schema) reaches the client; it goes to the log.
 */
@Produces
@Singleton
final class DatabaseExceptionHandler implements ExceptionHandler<Db.DatabaseException, HttpResponse<ErrorBody>> {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseExceptionHandler.class);

    @Override
    public HttpResponse<ErrorBody> handle(HttpRequest request, Db.DatabaseException e) {
        LOG.error("database failure on {} {} (SQLState {})", request.getMethod(), request.getPath(),
                e.sqlException().getSQLState(), e);
        return HttpResponse.<ErrorBody>status(HttpStatus.SERVICE_UNAVAILABLE)
                .body(ErrorBody.of(ErrorCode.DATABASE_ERROR, "database unavailable, retry later", Map.of()));
    }
}

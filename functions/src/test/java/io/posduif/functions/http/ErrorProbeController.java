package io.posduif.functions.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.posduif.functions.auth.Caller;
import io.posduif.functions.db.Db;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/** Endpoints that fail on purpose, present only in tests that ask for them. */
@Controller("/test-only")
@Requires(property = "posduif.test.probe-routes", value = "true")
class ErrorProbeController {

    static final String SECRET = "jdbc-password-hunter2-in-a-stack-trace";

    @Serdeable
    record Numbers(int count, List<String> names) {
    }

    @Get("/boom")
    @Secured(SecurityRule.IS_ANONYMOUS)
    String boom() {
        throw new IllegalStateException("leaks " + SECRET);
    }

    @Get("/db")
    @Secured(SecurityRule.IS_ANONYMOUS)
    String db() {
        throw new Db.DatabaseException(new SQLException("relation secret_table " + SECRET + " does not exist", "42P01"));
    }

    @Get("/query")
    @Secured(SecurityRule.IS_ANONYMOUS)
    Map<String, Integer> query(@QueryValue int limit) {
        return Map.of("limit", limit);
    }

    @Post("/body")
    @Secured(SecurityRule.IS_ANONYMOUS)
    Numbers body(@Body Numbers numbers) {
        return numbers;
    }

    @Get("/whoami")
    @Secured(SecurityRule.IS_AUTHENTICATED)
    Map<String, String> whoami(Caller caller) {
        return Map.of("tenant", caller.tenant().value(), "kind", caller.kind().name());
    }

    @Post("/echo")
    @Secured(SecurityRule.IS_AUTHENTICATED)
    Map<String, Object> echo(Caller caller, @Body Map<String, Object> body) {
        return Map.of("tenant", caller.tenant().value(), "body", body);
    }

    @Get("/slow")
    @Secured(SecurityRule.IS_ANONYMOUS)
    @io.micronaut.scheduling.annotation.ExecuteOn(io.micronaut.scheduling.TaskExecutors.BLOCKING)
    Map<String, Integer> slow(@QueryValue int ms) throws InterruptedException {
        Thread.sleep(ms);
        return Map.of("slept", ms);
    }

    @Get("/log")
    @Secured(SecurityRule.IS_AUTHENTICATED)
    @io.micronaut.scheduling.annotation.ExecuteOn(io.micronaut.scheduling.TaskExecutors.BLOCKING)
    String log(Caller caller) {
        org.slf4j.LoggerFactory.getLogger("io.posduif.test.probe").info("inside the controller of {}", caller.tenant());
        return "logged";
    }

    @Get("/admin-only")
    @Secured("admin")
    String adminOnly() {
        return "ok";
    }
}

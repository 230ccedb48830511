package io.posduif.relay.ops;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.posduif.protocol.ErrorCode;
import io.posduif.relay.stream.RedisStreams;
import io.posduif.relay.tenant.TenantDirectory;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.security.PermitAll;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /health}, shaped exactly like functions' (docs/protocol.md §2): 200
 * {@code {"status":"UP","checks":{...}}} when PostgreSQL and Redis both answer, else 503 in the
 * wire error format ({@code SERVICE_UNAVAILABLE}, per-dependency status in
 * {@code details.checks}), so one load-balancer check and one client parser fit both services.
 *
 * <p>Both are real dependencies of the relay: without Redis no event reaches anyone; without
 * PostgreSQL no stream can be opened (tenants, devices, revocation) and out-of-band changes stop.
 * Each probe has a deadline below the load balancer's timeout, so a dead database gives an
 * explicit 503 rather than a hung check.
 */
@Controller("/health")
// anonymous like functions' /health; matters where micronaut-security shares the classpath (e2e)
@PermitAll
final class HealthController {

    private static final Logger LOG = LoggerFactory.getLogger(HealthController.class);
    private static final Duration DEADLINE = Duration.ofSeconds(2);

    private final DataSource dataSource;
    private final RedisStreams redis;
    /** Probes run here, not on the request thread, so an abandoned probe cannot hold /health. */
    private final ExecutorService probes = Executors.newCachedThreadPool(io.posduif.relay.RelayExecutors.named("posduif-health-probe"));

    HealthController(DataSource dataSource, RedisStreams redis) {
        this.dataSource = TenantDirectory.plain(dataSource);
        this.redis = redis;
    }

    @Get
    @ExecuteOn(TaskExecutors.BLOCKING)
    HttpResponse<Map<String, Object>> health() {
        CompletableFuture<Boolean> pg = CompletableFuture.supplyAsync(this::postgresUp, probes);
        CompletableFuture<Boolean> rd = CompletableFuture.supplyAsync(redis::ping, probes);
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("postgres", await(pg) ? "UP" : "DOWN");
        checks.put("redis", await(rd) ? "UP" : "DOWN");
        if (checks.containsValue("DOWN")) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("status", "DOWN");
            details.put("checks", checks);
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", ErrorCode.SERVICE_UNAVAILABLE.name());
            error.put("message", "a dependency is down");
            error.put("details", details);
            return HttpResponse.<Map<String, Object>>status(HttpStatus.valueOf(ErrorCode.SERVICE_UNAVAILABLE.httpStatus()))
                    .body(Map.of("error", error));
        }
        Map<String, Object> up = new LinkedHashMap<>();
        up.put("status", "UP");
        up.put("checks", checks);
        return HttpResponse.ok(up);
    }

    private static boolean await(CompletableFuture<Boolean> probe) {
        try {
            return probe.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            probe.cancel(true);
            return false;
        }
    }

    private boolean postgresUp() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid((int) DEADLINE.toSeconds());
        } catch (Exception e) {
            LOG.warn("health: PostgreSQL is down: {}", e.getMessage());
            return false;
        }
    }

    @PreDestroy
    void close() {
        probes.shutdownNow();
    }
}

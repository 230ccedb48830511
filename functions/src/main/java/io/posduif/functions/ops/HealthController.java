package io.posduif.functions.ops;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.context.BeanProvider;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.posduif.functions.db.Db;
import io.posduif.functions.http.ErrorBody;
import io.posduif.protocol.ErrorCode;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /health}: 200 when PostgreSQL and Redis both answer, else 503 in the wire error
 * format with the per-dependency status in {@code details.checks}.
 *
 * <p>Each probe has a short deadline: a load balancer's health check must not hang on a
 * connection pool waiting for a dead database.
 */
@Controller("/health")
@Secured(SecurityRule.IS_ANONYMOUS)
final class HealthController {

    private static final Logger LOG = LoggerFactory.getLogger(HealthController.class);
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private final Db db;
    private final BeanProvider<RedisClient> redisClient;
    private final ExecutorService probes = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "health-probe");
        t.setDaemon(true);
        return t;
    });
    private volatile StatefulRedisConnection<String, String> redis;

    HealthController(Db db, BeanProvider<RedisClient> redisClient) {
        this.db = db;
        this.redisClient = redisClient;
    }

    @Serdeable
    record Health(String status, Map<String, String> checks) {
    }

    @Get
    // the method returns HttpResponse<?> (200 or 503), so the generator cannot see the 200 body
    @ApiResponse(responseCode = "200", description = "PostgreSQL and Redis answer",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = Health.class)))
    @ExecuteOn(TaskExecutors.BLOCKING)
    HttpResponse<?> health() {
        CompletableFuture<Boolean> pg = CompletableFuture.supplyAsync(this::postgresUp, probes);
        CompletableFuture<Boolean> rd = CompletableFuture.supplyAsync(this::redisUp, probes);
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("postgres", await(pg) ? "UP" : "DOWN");
        checks.put("redis", await(rd) ? "UP" : "DOWN");
        if (checks.containsValue("DOWN")) {
            return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(ErrorBody.of(ErrorCode.SERVICE_UNAVAILABLE,
                    "a dependency is down", Map.of("status", "DOWN", "checks", checks)));
        }
        return HttpResponse.ok(new Health("UP", checks));
    }

    private boolean await(CompletableFuture<Boolean> probe) {
        try {
            return probe.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            probe.cancel(true);
            return false;
        }
    }

    private boolean postgresUp() {
        try {
            return db.withConnection(c -> c.isValid((int) DEADLINE.toSeconds()));
        } catch (RuntimeException e) {
            LOG.warn("health: PostgreSQL is down: {}", e.getMessage());
            return false;
        }
    }

    private boolean redisUp() {
        try {
            StatefulRedisConnection<String, String> c = redis;
            if (c == null || !c.isOpen()) {
                synchronized (this) {
                    c = redis;
                    if (c == null || !c.isOpen()) {
                        c = redisClient.get().connect();
                        c.setTimeout(DEADLINE);
                        redis = c;
                    }
                }
            }
            return "PONG".equalsIgnoreCase(c.sync().ping());
        } catch (RuntimeException e) {
            LOG.warn("health: Redis is down: {}", e.getMessage());
            return false;
        }
    }

    @PreDestroy
    void close() {
        probes.shutdownNow();
        StatefulRedisConnection<String, String> c = redis;
        if (c != null) {
            c.closeAsync();
        }
    }
}

package io.posduif.relay.ops;

import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.posduif.relay.stream.RedisStreams;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.Map;

/** Redis is the relay's input: without it no event reaches anyone, so /health is DOWN (503). */
@Singleton
class RedisHealthIndicator implements HealthIndicator {

    private final RedisStreams redis;

    RedisHealthIndicator(RedisStreams redis) {
        this.redis = redis;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(() -> {
            boolean up = redis.ping();
            return HealthResult.builder("redis", up ? HealthStatus.UP : HealthStatus.DOWN)
                    .details(Map.of("ping", up ? "PONG" : "failed"))
                    .build();
        });
    }
}

package io.posduif.functions.auth;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micronaut.context.BeanProvider;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.util.HttpClientAddressResolver;
import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fixed-window attempt counters in Redis for login, device token exchange and enrollment.
 *
 * <p>Functions are stateless (one Lambda instance knows nothing of the others), so counters
 * live in Redis. Redis being down must not lock everybody out: the limiter then fails open
 * with a warning and stops trying Redis for a short while instead of paying a timeout per call.
 */
@Singleton
public class RateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final long REDIS_TIMEOUT_MS = 500;
    private static final long BACKOFF_MS = 10_000;
    /** INCR and set the expiry on first use in one step, so a crash cannot leave an immortal counter. */
    private static final String SCRIPT = "local c = redis.call('INCR', KEYS[1]) "
            + "if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
            + "return {c, redis.call('PTTL', KEYS[1])}";

    public enum Action { LOGIN, TOKEN, ENROLLMENT }

    private final RateLimitConfig config;
    private final BeanProvider<StatefulRedisConnection<String, String>> redis;
    private final HttpClientAddressResolver addresses;
    private final AtomicLong redisDownUntil = new AtomicLong();

    RateLimiter(RateLimitConfig config, BeanProvider<StatefulRedisConnection<String, String>> redis,
                HttpClientAddressResolver addresses) {
        this.config = config;
        this.redis = redis;
        this.addresses = addresses;
    }

    /**
     * Counts one attempt for the calling client and for the tenant.
     *
     * @param tenant the tenant the attempt targets, or null when it names none we could parse
     * @throws ApiException RATE_LIMITED with {@code retry_after_seconds} (rendered as Retry-After)
     */
    public void check(Action action, HttpRequest<?> request, String tenant) {
        if (!config.enabled()) {
            return;
        }
        String client = addresses.resolve(request);
        String name = action.name().toLowerCase();
        int perClient = switch (action) {
            case LOGIN -> config.loginPerClient();
            case TOKEN -> config.tokenPerClient();
            case ENROLLMENT -> config.enrollmentPerClient();
        };
        int perTenant = switch (action) {
            case LOGIN -> config.loginPerTenant();
            case TOKEN -> config.tokenPerTenant();
            case ENROLLMENT -> config.enrollmentPerTenant();
        };
        count(config.keyPrefix() + ":" + name + ":client:" + (client == null ? "unknown" : client), perClient);
        if (tenant != null) {
            count(config.keyPrefix() + ":" + name + ":tenant:" + tenant, perTenant);
        }
    }

    private void count(String key, int limit) {
        if (System.currentTimeMillis() < redisDownUntil.get()) {
            return;
        }
        long windowMs = config.window().toMillis();
        List<Object> result;
        try {
            result = redis.get().async()
                    .<List<Object>>eval(SCRIPT, ScriptOutputType.MULTI, new String[]{key}, Long.toString(windowMs))
                    .get(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            redisDownUntil.set(System.currentTimeMillis() + BACKOFF_MS);
            LOG.warn("rate limiting disabled for {} ms: Redis unavailable ({})", BACKOFF_MS, e.toString());
            return;
        }
        long countNow = ((Number) result.get(0)).longValue();
        if (countNow > limit) {
            long ttlMs = ((Number) result.get(1)).longValue();
            long ms = ttlMs > 0 ? ttlMs : windowMs;
            long retryAfter = Math.max(1, (ms + 999) / 1000);
            throw new ApiException(ErrorCode.RATE_LIMITED, "too many attempts; retry later",
                    Map.of("retry_after_seconds", retryAfter));
        }
    }
}

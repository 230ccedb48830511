package io.posduif.functions.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Attempt limits for the unauthenticated identity endpoints, per fixed window.
 *
 * @param enabled   off for load tests that enroll thousands of devices from one address
 * @param window    length of a counting window
 * @param keyPrefix Redis key prefix (tests give each class its own)
 */
@ConfigurationProperties("posduif.rate-limit")
public record RateLimitConfig(@Bindable(defaultValue = "true") boolean enabled,
                              @Bindable(defaultValue = "1m") Duration window,
                              @Bindable(defaultValue = "posduif:rl") String keyPrefix,
                              @Bindable(defaultValue = "20") int loginPerClient,
                              @Bindable(defaultValue = "200") int loginPerTenant,
                              @Bindable(defaultValue = "120") int tokenPerClient,
                              @Bindable(defaultValue = "6000") int tokenPerTenant,
                              @Bindable(defaultValue = "30") int enrollmentPerClient,
                              @Bindable(defaultValue = "300") int enrollmentPerTenant) {
}

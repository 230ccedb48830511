package io.posduif.functions.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Token settings.
 *
 * @param issuer          {@code iss} of every token we sign and the only one we accept
 * @param webTokenTtl     lifetime of web access tokens
 * @param deviceTokenTtl  lifetime of device access tokens (short: the device secret renews them)
 */
@ConfigurationProperties("posduif.auth")
public record AuthConfig(@Bindable(defaultValue = "posduif") String issuer,
                         @Bindable(defaultValue = "15m") Duration webTokenTtl,
                         @Bindable(defaultValue = "15m") Duration deviceTokenTtl) {
}

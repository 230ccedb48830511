package io.posduif.functions.realtime;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Publishing settings.
 *
 * @param enabled         false turns publishing into a no-op (functions without a relay)
 * @param streamMaxLength approximate cap on each tenant stream ({@code XADD MAXLEN ~}); the relay
 *                        also trims by age
 * @param timeout         connect and command timeout: a slow Redis must not hold a request
 * @param retryAfter      after a failed connect, how long publishing is skipped before trying
 *                        again (no reconnect storm while Redis is down)
 */
@ConfigurationProperties("posduif.realtime")
public record RealtimeConfig(@Bindable(defaultValue = "true") boolean enabled,
                             @Bindable(defaultValue = "100000") long streamMaxLength,
                             @Bindable(defaultValue = "500ms") Duration timeout,
                             @Bindable(defaultValue = "2s") Duration retryAfter) {
}

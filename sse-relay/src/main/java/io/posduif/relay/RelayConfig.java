package io.posduif.relay;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Relay settings ({@code posduif.relay.*}).
 *
 * @param heartbeat         interval of the {@code :heartbeat} comment that keeps idle streams
 *                          open through proxies and detects dead peers
 * @param streamMaxAge      stream entries older than this are trimmed ({@code XTRIM MINID})
 * @param streamMaxLength   approximate length cap, also applied by functions on XADD
 * @param readBlock         how long one {@code XREAD BLOCK} waits
 * @param readCount         entries per {@code XREAD}
 * @param replayLimit       a resume that missed more than this gets {@code reset} instead
 * @param tenantRefresh     how often the tenant list is re-read (new tenants' streams)
 * @param leaderCheck       how often a relay tries to take over tenants that nobody leads
 * @param presenceRefresh   how often {@code last_seen} of connected devices is refreshed
 * @param presenceStaleAfter a device marked online whose {@code last_seen} is older is marked
 *                          offline by the tenant's leader (its relay died)
 * @param allowedOrigin     browser origins allowed to read streams cross-origin (CORS),
 *                          comma-separated ({@code https://console.example.com}); unset = none.
 *                          {@code *} only if configured: no default wildcard, a production relay
 *                          answers only the console it was deployed with
 */
@ConfigurationProperties("posduif.relay")
public record RelayConfig(@Bindable(defaultValue = "15s") Duration heartbeat,
                          @Bindable(defaultValue = "24h") Duration streamMaxAge,
                          @Bindable(defaultValue = "100000") long streamMaxLength,
                          @Bindable(defaultValue = "1s") Duration readBlock,
                          @Bindable(defaultValue = "1000") int readCount,
                          @Bindable(defaultValue = "10000") int replayLimit,
                          @Bindable(defaultValue = "10s") Duration tenantRefresh,
                          @Bindable(defaultValue = "2s") Duration leaderCheck,
                          @Bindable(defaultValue = "60s") Duration presenceRefresh,
                          @Bindable(defaultValue = "3m") Duration presenceStaleAfter,
                          @Nullable String allowedOrigin) {
}

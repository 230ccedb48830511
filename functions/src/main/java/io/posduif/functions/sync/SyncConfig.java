package io.posduif.functions.sync;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import io.micronaut.core.annotation.Nullable;

import java.time.Duration;

/**
 * Sync tuning ({@code posduif.sync.*}).
 *
 * @param maxPushOps         operations per push batch; more is a 400 (the batch must fit one transaction)
 * @param clockSkewTolerance how far in the future a client_ts may be before it is clamped to server time
 * @param tombstoneRetention how long deletes and "row left bucket" removals stay in the log; a
 *                           device offline longer than this re-bootstraps (RESET_REQUIRED)
 * @param purgeInterval      how often the retention purge runs
 * @param cursorKey          HMAC key for cursors; defaults to the JWT signing secret
 */
@ConfigurationProperties("posduif.sync")
public record SyncConfig(
        @Bindable(defaultValue = "500") int maxPushOps,
        @Bindable(defaultValue = "60s") Duration clockSkewTolerance,
        @Bindable(defaultValue = "30d") Duration tombstoneRetention,
        @Bindable(defaultValue = "10m") Duration purgeInterval,
        @Bindable(defaultValue = "500") int defaultPullLimit,
        @Bindable(defaultValue = "1000") int maxPullLimit,
        @Nullable String cursorKey) {
}

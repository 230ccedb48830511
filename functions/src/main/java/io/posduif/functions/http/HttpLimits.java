package io.posduif.functions.http;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Caps on gzip request bodies, enforced while inflating.
 *
 * @param maxInflatedBytes     largest inflated body accepted (default 16 MiB)
 * @param maxRatio             largest inflated:compressed ratio accepted once past {@code ratioCheckAfterBytes}
 * @param ratioCheckAfterBytes inflated size from which the ratio is enforced (small JSON compresses very well)
 * @param compressAboveBytes   responses smaller than this are not worth gzipping
 */
@ConfigurationProperties("posduif.http")
public record HttpLimits(@Bindable(defaultValue = "16777216") long maxInflatedBytes,
                         @Bindable(defaultValue = "100") int maxRatio,
                         @Bindable(defaultValue = "1048576") long ratioCheckAfterBytes,
                         @Bindable(defaultValue = "1024") int compressAboveBytes) {
}

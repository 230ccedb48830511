package io.posduif.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: after failure {@code n} wait a random time in
 * {@code [0, min(max, base * 2^n))}. Jitter keeps a fleet of devices that lost the server at
 * the same moment from coming back at the same moment.
 */
public record Backoff(Duration base, Duration max, int maxAttempts) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30), 6);
    /** One attempt, no waiting: for simulations that model being offline explicitly. */
    public static final Backoff NONE = new Backoff(Duration.ZERO, Duration.ZERO, 1);

    public Backoff {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
    }

    public long delayMillis(int failures) {
        long cap = Math.min(max.toMillis(), base.toMillis() * (1L << Math.min(failures, 30)));
        return cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
    }

    void sleep(int failures) throws java.io.InterruptedIOException {
        long ms = delayMillis(failures);
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted during backoff");
        }
    }
}

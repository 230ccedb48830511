package io.posduif.functions.sync;

import java.time.Instant;
import java.util.Comparator;

/**
 * The version of a write for conflict resolution: newest {@code ts} wins; a tie goes to the
 * greater device id, then the greater op id (docs/protocol.md §5), so every server decides alike.
 * Server-side writes (web API, SQL) carry device and op {@code ""}.
 */
record Clock(Instant ts, String device, String op) implements Comparable<Clock> {

    static final Clock ZERO = new Clock(Instant.EPOCH, "", "");

    private static final Comparator<Clock> ORDER = Comparator.comparing(Clock::ts)
            .thenComparing(Clock::device).thenComparing(Clock::op);

    @Override
    public int compareTo(Clock o) {
        return ORDER.compare(this, o);
    }

    boolean newerThan(Clock o) {
        return o == null || compareTo(o) > 0;
    }

    static Clock max(Clock a, Clock b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.compareTo(b) >= 0 ? a : b;
    }
}

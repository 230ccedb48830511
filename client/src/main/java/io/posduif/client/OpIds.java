package io.posduif.client;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The device's outbox operation ids: RFC 9562 UUID version 7, in the standard lower-case
 * {@code 8-4-4-4-12} text form, strictly increasing for the life of this generator.
 *
 * <p><b>Why time-ordered.</b> The server records every pushed op in its op ledger, whose primary
 * key is {@code (device_id, op_id)} ({@code op_id} text, collation "C"). With random (v4) ids each
 * insert lands on a random leaf page of that index: the pages a busy server touches are spread
 * over the whole index, and after every checkpoint the first change of each such page writes a
 * full-page image to the WAL. Ids that grow with time make one device's inserts append at the
 * right edge of its slice of the index, so they share a handful of hot pages.
 *
 * <p><b>Layout</b> (RFC 9562 §5.7): 48-bit big-endian Unix milliseconds, version nibble
 * {@code 7}, 12 bits {@code rand_a}, the variant bits {@code 10}, 62 bits {@code rand_b}. The 74
 * bits of {@code rand_a} and {@code rand_b} form one "randomly seeded counter" (§6.2, method 2,
 * monotonic random): on a new millisecond it is seeded with random bits, its top bit cleared as a
 * rollover guard; when the millisecond has not advanced, or the wall clock stepped back, the last
 * timestamp is kept and the counter is incremented by one. Should the counter ever overflow, the
 * timestamp is moved one millisecond ahead of the last one and the counter re-seeded (§6.2,
 * counter rollover). Because the text form is fixed-width lower-case hex, comparing two ids as
 * strings byte by byte (as collation "C" and SQLite's {@code BINARY} do) gives generation order.
 * ({@link UUID#compareTo} compares signed longs and does not.)
 *
 * <p><b>Restarts.</b> A replayed op keeps the id stored with it in the outbox, so a push retried
 * after a crash is recognised by the ledger as a duplicate; a new op never reuses an id. To stay
 * strictly increasing across an app restart, {@link LocalDatabase} seeds the generator with the
 * largest version-7 id still in the outbox ({@link #advancePast}). When the outbox is empty
 * there is nothing to seed from: ids then keep increasing across the restart only if the wall
 * clock has not gone back by more than the time since the last op was written. If it has, the
 * new ids sort before some old ones (only index locality suffers); they still do not repeat an
 * old id except with the chance that 73 random bits collide within one millisecond.
 *
 * <p>Thread-safe: {@link #next()} and {@link #advancePast} are synchronized on this generator.
 */
final class OpIds {
    private static final long MAX_MILLIS = (1L << 48) - 1;
    private static final int RAND_A_BITS = 12;
    private static final long RAND_A_MASK = (1L << RAND_A_BITS) - 1;
    private static final long RAND_B_MASK = (1L << 62) - 1;
    private static final long VERSION_7 = 0x7000L;
    private static final long VARIANT_10 = 0x8000_0000_0000_0000L;

    private final LongSupplier clock;
    private final RandomGenerator random;

    /** The last id handed out (or seeded): timestamp and the 74-bit counter as rand_a : rand_b. */
    private long lastMillis = -1;
    private long randA;
    private long randB;

    /** Ids from the system clock. */
    OpIds() {
        this(System::currentTimeMillis);
    }

    /** Ids from the given millisecond clock (tests step it back). */
    OpIds(LongSupplier clock) {
        this(clock, new SecureRandom());
    }

    OpIds(LongSupplier clock, RandomGenerator random) {
        this.clock = clock;
        this.random = random;
    }

    /** The next op id: greater, as a string, than every id this generator gave or was seeded with. */
    synchronized String next() {
        long now = Math.min(Math.max(clock.getAsLong(), 0), MAX_MILLIS);
        if (now > lastMillis) {
            lastMillis = now;
            seedCounter();
        } else if (++randB > RAND_B_MASK) { // same millisecond, or the clock went back: count on
            randB = 0;
            if (++randA > RAND_A_MASK) {
                // 2^73 ids in one millisecond will not happen, but an id seeded at the counter's top can.
                if (lastMillis == MAX_MILLIS) {
                    throw new IllegalStateException("UUIDv7 timestamp exhausted");
                }
                lastMillis++;
                seedCounter();
            }
        }
        return format(lastMillis, randA, randB);
    }

    /**
     * Makes every later id greater than {@code opId} if it is a version-7 UUID in canonical form
     * (the largest one in the outbox after a restart). Anything else, such as the random
     * version-4 ids of an older SDK, is ignored: read as v7 it would be a meaningless timestamp.
     */
    synchronized void advancePast(String opId) {
        if (opId == null || opId.length() != 36) {
            return;
        }
        UUID uuid;
        try {
            uuid = UUID.fromString(opId);
        } catch (IllegalArgumentException e) {
            return;
        }
        if (uuid.version() != 7 || uuid.variant() != 2 || !uuid.toString().equals(opId)) {
            return;
        }
        long millis = uuid.getMostSignificantBits() >>> 16;
        long a = uuid.getMostSignificantBits() & RAND_A_MASK;
        long b = uuid.getLeastSignificantBits() & RAND_B_MASK;
        if (millis > lastMillis
                || millis == lastMillis && (a > randA || a == randA && b > randB)) {
            lastMillis = millis;
            randA = a;
            randB = b;
        }
    }

    /** Random counter for a new millisecond; its top bit is clear so it cannot roll over in practice. */
    private void seedCounter() {
        randA = random.nextLong() & (RAND_A_MASK >>> 1);
        randB = random.nextLong() & RAND_B_MASK;
    }

    /** {@link UUID#toString()} is the lower-case 8-4-4-4-12 form. */
    private static String format(long millis, long randA, long randB) {
        return new UUID(millis << 16 | VERSION_7 | randA, VARIANT_10 | randB).toString();
    }
}

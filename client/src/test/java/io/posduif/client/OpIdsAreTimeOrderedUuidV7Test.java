package io.posduif.client;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpIdsAreTimeOrderedUuidV7Test {
    private static final long T = 1_700_000_000_000L;
    private static final String CANONICAL_V7 = "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    @Test
    void idIsALowerCaseVersion7UuidStampedWithTheCurrentMillisecond() {
        long before = System.currentTimeMillis();
        String id = new OpIds().next();
        long after = System.currentTimeMillis();

        assertTrue(id.matches(CANONICAL_V7), id);
        UUID uuid = UUID.fromString(id);
        assertEquals(7, uuid.version());
        assertEquals(2, uuid.variant());
        assertEquals(id, uuid.toString());
        long millis = millis(id);
        assertTrue(millis >= before - 1000 && millis <= after + 1000, millis + " not within a second of " + before);
    }

    @Test
    void aHundredThousandIdsInATightLoopStrictlyIncreaseAsStrings() {
        OpIds ids = new OpIds();
        List<String> out = new ArrayList<>(100_000);
        for (int i = 0; i < 100_000; i++) {
            out.add(ids.next());
        }
        for (int i = 1; i < out.size(); i++) {
            assertTrue(out.get(i).compareTo(out.get(i - 1)) > 0, out.get(i - 1) + " then " + out.get(i));
        }
        assertEquals(100_000, new HashSet<>(out).size());
        out.forEach(id -> assertEquals(7, UUID.fromString(id).version()));
    }

    @Test
    void idsWithinOneMillisecondKeepTheTimestampAndCountUp() {
        OpIds ids = new OpIds(() -> T);
        String previous = ids.next();
        for (int i = 0; i < 1000; i++) {
            String id = ids.next();
            assertEquals(T, millis(id));
            assertTrue(id.compareTo(previous) > 0, previous + " then " + id);
            previous = id;
        }
    }

    @Test
    void aClockThatStepsBackwardsStillYieldsIncreasingIds() {
        AtomicLong clock = new AtomicLong(T);
        OpIds ids = new OpIds(clock::get);
        List<String> out = new ArrayList<>();
        out.add(ids.next());
        clock.set(T + 5);
        out.add(ids.next());
        clock.set(T - 60_000); // NTP correction, manual change
        for (int i = 0; i < 100; i++) {
            out.add(ids.next());
        }
        assertEquals(T + 5, millis(out.get(out.size() - 1)), "the last timestamp is kept while the clock is behind");
        clock.set(T + 3);
        out.add(ids.next());
        clock.set(T + 6);
        out.add(ids.next());
        assertEquals(T + 6, millis(out.get(out.size() - 1)), "a clock past the last timestamp is used again");

        for (int i = 1; i < out.size(); i++) {
            assertTrue(out.get(i).compareTo(out.get(i - 1)) > 0, out.get(i - 1) + " then " + out.get(i));
        }
    }

    @Test
    void theCounterCarriesFromRandBIntoRandAAndThenIntoTheTimestamp() {
        // A random source that seeds the counter at its guarded maximum: rand_a 0x7ff, rand_b all ones.
        OpIds ids = new OpIds(() -> T, () -> -1L);
        String first = ids.next();
        assertTrue(first.endsWith("-77ff-bfff-ffffffffffff"), first);
        String second = ids.next();
        assertTrue(second.endsWith("-7800-8000-000000000000"), second);
        assertTrue(second.compareTo(first) > 0);

        // Seeded (as after a restart) with the largest id a millisecond can hold: the next one moves ahead.
        String top = v7(T, 0xfff, (1L << 62) - 1);
        ids.advancePast(top);
        String next = ids.next();
        assertEquals(T + 1, millis(next));
        assertTrue(next.compareTo(top) > 0, top + " then " + next);
    }

    @Test
    void seedingFromAnEarlierIdContinuesAboveIt() {
        AtomicLong clock = new AtomicLong(T - 10_000); // the clock went back while the app was not running
        OpIds ids = new OpIds(clock::get);
        String lastBeforeRestart = v7(T, 0x123, 42);
        ids.advancePast(lastBeforeRestart);
        ids.advancePast(v7(T - 1, 0xfff, 7)); // smaller: ignored
        String next = ids.next();
        assertEquals(T, millis(next));
        assertTrue(next.compareTo(lastBeforeRestart) > 0, lastBeforeRestart + " then " + next);
    }

    @Test
    void seedingIgnoresIdsThatAreNotCanonicalVersion7() {
        OpIds ids = new OpIds(() -> T);
        ids.advancePast("ffffffff-ffff-4fff-bfff-ffffffffffff"); // an older SDK's random v4 id
        ids.advancePast(v7(T + 1000, 1, 1).toUpperCase(java.util.Locale.ROOT));
        ids.advancePast("not-a-uuid");
        ids.advancePast(null);
        assertEquals(T, millis(ids.next()));
    }

    @Test
    void fourThreadsGeneratingAtOnceGetNoDuplicates() throws Exception {
        OpIds ids = new OpIds();
        int perThread = 25_000;
        Set<String> all = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    List<String> mine = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        String id = ids.next();
                        mine.add(id);
                        all.add(id);
                    }
                    return mine;
                }));
            }
            start.countDown();
            for (Future<List<String>> f : futures) {
                List<String> mine = f.get(60, TimeUnit.SECONDS);
                for (int i = 1; i < mine.size(); i++) {
                    assertTrue(mine.get(i).compareTo(mine.get(i - 1)) > 0, "each thread sees increasing ids");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(4 * perThread, all.size());
    }

    static long millis(String id) {
        return UUID.fromString(id).getMostSignificantBits() >>> 16;
    }

    static String v7(long millis, long randA, long randB) {
        return new UUID(millis << 16 | 0x7000L | randA, 0x8000_0000_0000_0000L | randB).toString();
    }
}

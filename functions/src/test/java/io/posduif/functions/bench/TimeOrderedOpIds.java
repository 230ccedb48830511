package io.posduif.functions.bench;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Op ids as the device SDK makes them ({@code io.posduif.client.OpIds}): UUIDv7 text, strictly
 * increasing per device. The simulated devices must send what real ones send: the op ledger's
 * index takes time-ordered ids at its right edge, random ones on a random leaf each. One
 * generator per simulated device; not thread-safe (a device pushes one batch at a time).
 */
final class TimeOrderedOpIds {

    private long lastMillis = -1;
    private long counter;

    String next() {
        long now = System.currentTimeMillis();
        if (now > lastMillis) {
            lastMillis = now;
            counter = ThreadLocalRandom.current().nextLong() >>> 2; // 62 random bits, top clear: room to count
        } else {
            counter++;
        }
        long randA = (counter >>> 50) & 0xfff;
        long msb = (lastMillis << 16) | 0x7000L | randA;
        long lsb = 0x8000_0000_0000_0000L | (counter & ((1L << 62) - 1));
        return new java.util.UUID(msb, lsb).toString();
    }
}

package io.posduif.functions.sync;

import io.posduif.functions.support.StackTest;
import org.junit.jupiter.api.Test;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The push compares op ids with the device's op mark in Java ({@link OpIds}) and in PostgreSQL
 * ({@code COLLATE "C"}); if the two orders disagreed, a batch could be taken for one above the
 * mark that holds an op already recorded. PostgreSQL is the oracle: random ids from an alphabet
 * where UTF-16 and UTF-8 orders differ (characters above U+FFFF against U+E000..U+FFFF), sorted
 * by both. The seed is printed with a failure.
 */
class OpIdOrderIsPostgresByteOrderTest extends StackTest {

    private static final String[] ALPHABET = {"0", "1", "9", "a", "f", "-", "~", "é", "\u07ff", "\u0800", "\ud7ff", "\ue000",
            "\uffee", "\uffff", "😀", "\ud800\udc00", "\udbff\udfff"};

    @Test
    void javaSortsOpIdsAsPostgresDoes() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        try (Connection c = stack().connect();
             PreparedStatement ps = c.prepareStatement("SELECT array_agg(x ORDER BY x COLLATE \"C\") FROM unnest(?::text[]) AS u(x)")) {
            for (int round = 0; round < 50; round++) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    StringBuilder s = new StringBuilder();
                    for (int k = 0, n = 1 + rnd.nextInt(6); k < n; k++) {
                        s.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
                    }
                    ids.add(s.toString());
                }
                ps.setArray(1, c.createArrayOf("text", ids.toArray()));
                List<String> postgres;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    Array a = rs.getArray(1);
                    postgres = Arrays.asList((String[]) a.getArray());
                }
                List<String> java = new ArrayList<>(ids);
                java.sort(OpIds::compare);
                assertEquals(postgres, java, "seed " + seed);
                String[] sorted = java.stream().distinct().toArray(String[]::new);
                assertTrue(OpIds.increasingAbove(sorted, null), "seed " + seed);
                if (sorted.length > 1) {
                    assertFalse(OpIds.increasingAbove(sorted, sorted[0]), "the first is not above itself; seed " + seed);
                    assertTrue(OpIds.increasingAbove(Arrays.copyOfRange(sorted, 1, sorted.length), sorted[0]), "seed " + seed);
                }
            }
        }
    }
}

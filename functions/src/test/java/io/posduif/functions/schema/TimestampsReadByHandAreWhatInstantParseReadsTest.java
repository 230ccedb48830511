package io.posduif.functions.schema;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link ColumnType#parseUtc} reads the SDK's {@code client_ts} by hand; {@link Instant#parse} is
 * the oracle. Any text it reads must be the instant the oracle reads; text it leaves (null) goes
 * to the general parsers, so what they accept or refuse is unchanged.
 */
class TimestampsReadByHandAreWhatInstantParseReadsTest {

    @Test
    void randomInstantsInEveryFractionLengthReadAsInstantParseReadsThem() {
        long seed = Long.getLong("posduif.test.seed", System.nanoTime());
        Random random = new Random(seed);
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 20_000; i++) {
            long second = i % 7 == 0 ? random.nextLong(-86_400L * 800, 86_400L * 800) : random.nextLong(min, max + 1);
            Instant instant = Instant.ofEpochSecond(second, random.nextInt(1_000_000_000));
            String text = instant.toString();
            int digits = random.nextInt(10);
            String whole = text.substring(0, 19);
            String fraction = String.format("%09d", instant.getNano()).substring(0, digits);
            String wire = whole + (digits == 0 ? "" : "." + fraction) + "Z";
            assertEquals(Instant.parse(wire).truncatedTo(ChronoUnit.MICROS), ColumnType.parseUtc(wire), wire + " (seed " + seed + ")");
            assertEquals(Instant.parse(wire).truncatedTo(ChronoUnit.MICROS), ColumnType.parseInstant(wire), wire + " (seed " + seed + ")");
        }
    }

    /** What parseInstant read before the hand-written path: an ISO instant, else an offset date-time; null if neither. */
    private static Instant general(String s) {
        try {
            return Instant.parse(s).truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(s).toInstant().truncatedTo(ChronoUnit.MICROS);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    @Test
    void textOutsideTheSdkFormIsLeftToTheGeneralParsers() {
        for (String s : List.of("2024-01-15T24:00:00Z", "2016-12-31T23:59:60Z", "2024-01-15T10:35:00+02:00", "2024-01-15T10:35:00.Z",
                "2024-01-15T10:35:00.1234567890Z", "+12024-01-15T10:35:00Z", "2024-01-15t10:35:00Z", "2024-01-15T10:35Z",
                "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-01-00T00:00:00Z",
                "2024-01-15T10:60:00Z", "2024-01-15T10:35:00.12a4Z", "２０２４-01-15T10:35:00Z", "2024-01-15 10:35:00Z")) {
            assertNull(ColumnType.parseUtc(s), s);
            Instant general = general(s);
            if (general != null) {
                assertEquals(general, ColumnType.parseInstant(s), s);
            } else {
                assertThrows(IllegalArgumentException.class, () -> ColumnType.parseInstant(s), s);
            }
        }
        assertEquals(Instant.parse("2024-01-15T08:35:00Z"), ColumnType.parseInstant("2024-01-15T10:35:00+02:00"));
        assertEquals(Instant.parse("2024-01-15T10:35:00Z"), ColumnType.parseInstant("2024-01-15T10:35Z"));
        assertEquals(Instant.parse("2024-02-29T00:00:00Z"), ColumnType.parseUtc("2024-02-29T00:00:00Z"));
    }
}

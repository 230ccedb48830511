package io.posduif.functions.sync;

import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Row clocks are written by hand ({@code PushService.jsonString}) and parsed back with the
 * application's mapper when the row is written again: device and op ids are the client's text,
 * so every character a JSON string can hold must survive, quotes, backslashes and control
 * characters included.
 */
class ClockTextIsJsonForAnyIdTest {

    private static final JsonMapper json = JsonMapper.createDefault();

    @Test
    void anyStringRoundTripsThroughTheHandWrittenLiteral() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        String[] alphabet = {"a", "b", "\"", "\\", "/", "\u0000", "\u0001", "\n", "\r", "\t", "\u001f", "\u007f", " ", "é", "€", "😀", "'", "{", "}", "[", "]", ",", ":"};
        for (int i = 0; i < 2_000; i++) {
            StringBuilder s = new StringBuilder();
            for (int k = 0, n = rnd.nextInt(12); k < n; k++) {
                s.append(alphabet[rnd.nextInt(alphabet.length)]);
            }
            String text = PushService.jsonString(new StringBuilder(), s.toString()).toString();
            assertEquals(s.toString(), json.readValue(text, String.class), "seed " + seed + ": " + text);
        }
    }
}

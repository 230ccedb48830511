package io.posduif.functions.sync;

import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Op ledgers hold the SHA-256 of each op's JSON with sorted keys, as the application's mapper
 * wrote it; a replay after an upgrade is recognised only if {@link JsonText} writes the same bytes.
 * Random trees (seed printed) with every value kind a push body parses to, awkward strings
 * included, must come out identical to the mapper's text.
 */
class JsonTextWritesWhatTheMapperWroteTest {

    private static final JsonMapper MAPPER = JsonMapper.createDefault();

    @Test
    void randomTreesMatchTheMapperByteForByte() throws Exception {
        long seed = System.nanoTime();
        System.out.println("JsonTextWritesWhatTheMapperWroteTest seed=" + seed);
        Random r = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            Object tree = tree(r, 0);
            if (tree == null) {
                continue;
            }
            assertEquals(MAPPER.writeValueAsString(tree), JsonText.of(tree), "seed " + seed + " tree " + i);
            assertEquals(MAPPER.writeValueAsString(sortedCopy(tree)), JsonText.sorted(tree), "seed " + seed + " tree " + i);
        }
    }

    @Test
    void bodiesParsedByTheMapperRoundTrip() throws Exception {
        String body = "{\"b\":1.0,\"a\":[1,-2,3000000000,1e400,0.1,\"\\u0000\\n\\\"é😀/\",true,null],\"c\":{\"z\":{},\"y\":[]},"
                + "\"n\":123456789012345678901234567890}";
        Object parsed = MAPPER.readValue(body, Object.class);
        assertEquals(MAPPER.writeValueAsString(parsed), JsonText.of(parsed));
        assertEquals(MAPPER.writeValueAsString(sortedCopy(parsed)), JsonText.sorted(parsed));
    }

    /**
     * Keys and rows, the texts a push writes most, take a hand-written path: flat maps and lists of
     * them, with every scalar kind and the awkward strings that must leave it for the generator.
     */
    @Test
    void flatMapsAndRowListsMatchTheMapperByteForByte() throws Exception {
        long seed = System.nanoTime();
        System.out.println("JsonTextWritesWhatTheMapperWroteTest flat seed=" + seed);
        Random r = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            List<Object> rows = new ArrayList<>();
            for (int n = r.nextInt(4); n >= 0; n--) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int c = r.nextInt(6); c > 0; c--) {
                    row.put(r.nextInt(3) == 0 ? string(r) : "col" + r.nextInt(9), scalar(r));
                }
                rows.add(row);
            }
            assertEquals(MAPPER.writeValueAsString(rows), JsonText.of(rows), "seed " + seed + " rows " + i);
            assertEquals(MAPPER.writeValueAsString(rows.get(0)), JsonText.of(rows.get(0)), "seed " + seed + " row " + i);
            java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
            JsonText.sorted(rows, streamed);
            assertEquals(JsonText.sorted(rows), streamed.toString(java.nio.charset.StandardCharsets.UTF_8), "seed " + seed + " sorted " + i);
        }
    }

    /**
     * Op hashes digest the sorted text, whichever writes it: by hand (the usual op) or the
     * generator (an op with a value the hand-written path leaves to it). A hash that digested
     * anything else would turn a replay into a reused op id. Op-shaped trees of ASCII text with
     * shuffled keys, and the random trees above (which mostly go to the generator).
     */
    @Test
    void opHashesDigestTheSortedTextWhicheverPathWritesIt() throws Exception {
        long seed = System.nanoTime();
        System.out.println("JsonTextWritesWhatTheMapperWroteTest digest seed=" + seed);
        Random r = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            Map<String, Object> data = new LinkedHashMap<>();
            for (int c = r.nextInt(8); c > 0; c--) {
                data.put(asciiKey(r), r.nextInt(4) == 0 ? java.util.Arrays.asList(scalar(r), "x" + r.nextInt(99)) : scalar(r));
            }
            List<String> keys = new ArrayList<>(List.of("op_id", "table", "op", "pk", "data", "changed_fields", "client_ts", "z", "A"));
            java.util.Collections.shuffle(keys, r);
            Map<String, Object> op = new LinkedHashMap<>();
            for (String k : keys.subList(0, 3 + r.nextInt(keys.size() - 2))) {
                op.put(k, switch (k) {
                    case "data" -> data;
                    case "pk" -> Map.of("id", java.util.UUID.randomUUID().toString());
                    case "changed_fields" -> new ArrayList<>(data.keySet());
                    default -> r.nextInt(5) == 0 ? scalar(r) : "v" + r.nextInt(1000);
                });
            }
            assertDigestsAgree(op, "seed " + seed + " op " + i);
            Object tree = tree(r, 0);
            assertDigestsAgree(tree, "seed " + seed + " tree " + i);
        }
    }

    private static void assertDigestsAgree(Object tree, String what) throws Exception {
        java.security.MessageDigest fast = java.security.MessageDigest.getInstance("SHA-256");
        JsonText.sorted(tree, fast);
        byte[] text = JsonText.sorted(tree).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertArrayEquals(java.security.MessageDigest.getInstance("SHA-256").digest(text), fast.digest(),
                what + ": " + JsonText.sorted(tree));
    }

    private static String asciiKey(Random r) {
        String alphabet = "abzAZ_09-";
        StringBuilder sb = new StringBuilder();
        for (int i = 1 + r.nextInt(6); i > 0; i--) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static Object scalar(Random r) {
        return switch (r.nextInt(9)) {
            case 0 -> null;
            case 1 -> r.nextBoolean();
            case 2 -> r.nextInt();
            case 3 -> r.nextLong();
            case 4 -> r.nextDouble() * Math.pow(10, r.nextInt(40) - 20) * (r.nextBoolean() ? 1 : -1);
            case 5 -> new double[]{Double.NaN, Double.POSITIVE_INFINITY, -0.0, 1e21, 1.0}[r.nextInt(5)];
            case 6 -> java.util.UUID.randomUUID().toString();
            case 7 -> "item " + r.nextInt(100);
            default -> string(r);
        };
    }

    @Test
    void valuesThatAreNotJsonAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> JsonText.of(Map.of("k", new Object())));
    }

    private static Object tree(Random r, int depth) {
        int kind = r.nextInt(depth > 3 ? 9 : 11);
        return switch (kind) {
            case 0 -> null;
            case 1 -> r.nextBoolean();
            case 2 -> r.nextInt();
            case 3 -> r.nextLong();
            case 4 -> r.nextDouble() * Math.pow(10, r.nextInt(40) - 20) * (r.nextBoolean() ? 1 : -1);
            case 5 -> new BigDecimal(BigInteger.valueOf(r.nextLong()), r.nextInt(20) - 10);
            case 6 -> BigInteger.valueOf(r.nextLong()).multiply(BigInteger.valueOf(Long.MAX_VALUE));
            case 7, 8 -> string(r);
            case 9 -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = r.nextInt(5); i > 0; i--) {
                    m.put(string(r), tree(r, depth + 1));
                }
                yield m;
            }
            default -> {
                List<Object> l = new ArrayList<>();
                for (int i = r.nextInt(5); i > 0; i--) {
                    l.add(tree(r, depth + 1));
                }
                yield l;
            }
        };
    }

    private static String string(Random r) {
        String alphabet = "aZ09 \"\\/\n\t\r\b\f\u0000\u001f\u007f\u2028é漢😀<>&'";
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(8); i > 0; i--) {
            sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, r.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return sb.toString();
    }

    private static Object sortedCopy(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> t = new TreeMap<>();
            m.forEach((k, v) -> t.put(String.valueOf(k), sortedCopy(v)));
            return t;
        }
        if (o instanceof List<?> l) {
            return l.stream().map(JsonTextWritesWhatTheMapperWroteTest::sortedCopy).toList();
        }
        return o;
    }
}

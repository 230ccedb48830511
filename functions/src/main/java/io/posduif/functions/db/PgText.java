package io.posduif.functions.db;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The text PostgreSQL cannot hold: U+0000, and surrogates without their pair.
 *
 * <p>JSON ({@code "\u0000"}), URLs ({@code %00}), YAML ({@code "\0"}) and Java strings all carry
 * U+0000, but {@code text}, {@code varchar} and {@code jsonb} refuse it ("invalid byte sequence
 * for encoding UTF8: 0x00", "unsupported Unicode escape sequence"), and inside SQL text it cuts
 * the statement short. Client text that is written is checked with {@link #containsNul} first,
 * so that it is refused as the client's mistake (4xx, nothing written) and not by the database
 * (503, which tells the client to retry the same request).
 */
public final class PgText {

    /** How refusals say it, after the field's name. */
    public static final String NUL_REFUSED = "must not contain U+0000 (PostgreSQL cannot store it)";

    private PgText() {
    }

    /**
     * True if {@code s} holds a surrogate that is not half of a pair. JSON can carry one
     * ({@code "\ud800"}), but UTF-8 cannot: the driver sends it as {@code ?}, so PostgreSQL would
     * store, compare and order other text than the client sent.
     */
    public static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** How refusals of {@link #unstorable} text say it, after the field's name. */
    public static final String UNSTORABLE_REFUSED =
            "must not contain U+0000 or a surrogate without its pair (PostgreSQL cannot store them)";

    /**
     * True if a string, or any string or key inside a parsed JSON value, holds U+0000 or a lone
     * surrogate: text PostgreSQL would refuse (a server error the client would retry) or store as
     * other text than the client sent ({@code ?}).
     */
    public static boolean unstorable(Object value) {
        return anyString(value, s -> s.indexOf('\u0000') >= 0 || hasLoneSurrogate(s));
    }

    /** True if a string, or any string or key inside a parsed JSON value (maps and lists), holds U+0000. */
    public static boolean containsNul(Object value) {
        return anyString(value, s -> s.indexOf('\u0000') >= 0);
    }

    /** True if a string, or any string or key inside a parsed JSON value, holds a lone surrogate. */
    public static boolean containsLoneSurrogate(Object value) {
        return anyString(value, PgText::hasLoneSurrogate);
    }

    /** Whether {@code test} holds for {@code value}, if a string, or for any string or key inside it (maps and lists). */
    private static boolean anyString(Object value, Predicate<String> test) {
        if (value instanceof String s) {
            return test.test(s);
        }
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (anyString(e.getKey(), test) || anyString(e.getValue(), test)) {
                    return true;
                }
            }
        } else if (value instanceof List<?> l) {
            for (Object x : l) {
                if (anyString(x, test)) {
                    return true;
                }
            }
        }
        return false;
    }
}

package io.posduif.functions.db;

import java.util.List;
import java.util.Map;

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
        if (value instanceof String s) {
            return s.indexOf('\u0000') >= 0 || hasLoneSurrogate(s);
        }
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (unstorable(e.getKey()) || unstorable(e.getValue())) {
                    return true;
                }
            }
        } else if (value instanceof List<?> l) {
            for (Object x : l) {
                if (unstorable(x)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** True if a string, or any string or key inside a parsed JSON value (maps and lists), holds U+0000. */
    public static boolean containsNul(Object value) {
        if (value instanceof String s) {
            return s.indexOf('\u0000') >= 0;
        }
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (containsNul(e.getKey()) || containsNul(e.getValue())) {
                    return true;
                }
            }
        } else if (value instanceof List<?> l) {
            for (Object x : l) {
                if (containsNul(x)) {
                    return true;
                }
            }
        }
        return false;
    }
}

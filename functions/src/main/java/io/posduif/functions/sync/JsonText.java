package io.posduif.functions.sync;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * JSON text of plain trees (maps, collections, strings, numbers, booleans, null) written straight
 * to a Jackson generator.
 *
 * <p>Why not the application's {@code JsonMapper}: a push renders several JSON texts per op (the
 * rows, keys and ledger entries it hands PostgreSQL, the payload hash, the answer), and the
 * mapper resolves a serializer by runtime type for every value of every map; that lookup was the
 * largest single cost of a push in the JVM. The output is the same Jackson generator's, so the
 * text is byte for byte what the mapper wrote (payload hashes recorded in op ledgers stay valid).
 */
final class JsonText {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private JsonText() {
    }

    /** The tree as JSON, maps in their iteration order. */
    static String of(Object tree) {
        if (tree instanceof List<?> l && flatRows(l)) {
            StringBuilder sb = new StringBuilder(l.size() * 128).append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                flatMap(sb, (Map<?, ?>) l.get(i));
            }
            return sb.append(']').toString();
        }
        if (tree instanceof Map<?, ?> m && flat(m)) {
            return flatMap(new StringBuilder(64), m).toString();
        }
        return write(tree, false);
    }

    /** The tree as JSON with every map's keys in ascending order: one text per content, for hashing. */
    static String sorted(Object tree) {
        return write(tree, true);
    }

    /** {@link #sorted}'s UTF-8 bytes, written to {@code out} (a digest) without a string in between. */
    static void sorted(Object tree, OutputStream out) {
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            value(g, tree, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- flat maps by hand ----
    // Most texts a push writes are flat: a key ({"id": "…"}) per op, a row per written row. Written
    // by hand they cost a fraction of a generator's; only values whose text is plainly the same as
    // the generator's take this path (strings that need no escape, integers, booleans, null, finite
    // doubles, which both write as Double.toString), anything else goes to the generator.

    private static boolean flatRows(List<?> l) {
        for (Object o : l) {
            if (!(o instanceof Map<?, ?> m) || !flat(m)) {
                return false;
            }
        }
        return true;
    }

    private static boolean flat(Map<?, ?> m) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k) || !plain(k)) {
                return false;
            }
            Object v = e.getValue();
            boolean ok = v == null || v instanceof Boolean || v instanceof Long || v instanceof Integer
                    || (v instanceof String str && plain(str))
                    || (v instanceof Double d && Double.isFinite(d));
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Written as is between quotes: no quote, backslash, control character or lone surrogate. */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static StringBuilder flatMap(StringBuilder sb, Map<?, ?> m) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('"').append((String) e.getKey()).append("\":");
            Object v = e.getValue();
            if (v instanceof String str) {
                sb.append('"').append(str).append('"');
            } else {
                sb.append(v);
            }
        }
        return sb.append('}');
    }

    private static String write(Object tree, boolean sortKeys) {
        // UTF-8 bytes, as the mapper writes (it escapes characters outside the BMP as surrogate pairs)
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            value(g, tree, sortKeys);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    // an instanceof chain, most frequent kinds first: a pattern switch over eleven types dispatched
    // through its bootstrap's type tests and showed up as this method's own time
    private static void value(JsonGenerator g, Object v, boolean sortKeys) throws IOException {
        if (v instanceof String s) {
            g.writeString(s);
        } else if (v == null) {
            g.writeNull();
        } else if (v instanceof Map<?, ?> m) {
            object(g, m, sortKeys);
        } else if (v instanceof Collection<?> c) {
            g.writeStartArray();
            for (Object o : c) {
                value(g, o, sortKeys);
            }
            g.writeEndArray();
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof BigDecimal b) {
            g.writeNumber(b);
        } else if (v instanceof BigInteger b) {
            g.writeNumber(b);
        } else if (v instanceof Float f) {
            g.writeNumber(f);
        } else if (v instanceof Short s) {
            g.writeNumber(s);
        } else if (v instanceof Byte b) {
            g.writeNumber(b);
        } else if (v instanceof Object[] a) {
            value(g, java.util.Arrays.asList(a), sortKeys);
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
    }

    private static void object(JsonGenerator g, Map<?, ?> m, boolean sortKeys) throws IOException {
        Collection<? extends Map.Entry<?, ?>> entries = m.entrySet();
        if (sortKeys) {
            List<Map.Entry<?, ?>> sorted = new ArrayList<>(m.entrySet());
            sorted.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
            entries = sorted;
        }
        g.writeStartObject();
        for (Map.Entry<?, ?> e : entries) {
            g.writeFieldName(String.valueOf(e.getKey()));
            value(g, e.getValue(), sortKeys);
        }
        g.writeEndObject();
    }
}

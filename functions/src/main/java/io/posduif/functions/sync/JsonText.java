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
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
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
        StringBuilder sb = new StringBuilder(256);
        return byHand(sb, tree, false) ? sb.toString() : write(tree, false);
    }

    /** The tree as JSON with every map's keys in ascending order: one text per content, for hashing. */
    static String sorted(Object tree) {
        StringBuilder sb = new StringBuilder(256);
        return byHand(sb, tree, true) ? sb.toString() : write(tree, true);
    }

    /** {@link #sorted}'s UTF-8 bytes, written to {@code out} (a digest). */
    static void sorted(Object tree, OutputStream out) {
        StringBuilder sb = new StringBuilder(256);
        try {
            if (byHand(sb, tree, true)) {
                out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
                value(g, tree, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds {@link #sorted}'s UTF-8 bytes to {@code md}: the op hash. */
    static void sorted(Object tree, MessageDigest md) {
        sorted(tree, new DigestOutputStream(OutputStream.nullOutputStream(), md));
    }

    // ---- plain trees by hand ----
    // Most texts a push writes are plain: a key ({"id": "…"}) per op, a row per written row, the op
    // itself for its hash. Written by hand they cost a fraction of a generator's. Only values whose
    // text is plainly the generator's take this path: strings that need no escape (no quote,
    // backslash, control character or lone surrogate), integers, booleans, null, finite doubles
    // (both write Double.toString), BigDecimals (both write toString), maps with string keys, lists.
    // At any other value the hand-written text is dropped and the generator writes the whole tree.

    private static final Comparator<Map.Entry<?, ?>> KEY_ORDER =
            (a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey()));

    /** Appends the tree to {@code sb}; false, with {@code sb} partly written, at a value the generator must write. */
    private static boolean byHand(StringBuilder sb, Object v, boolean sortKeys) {
        if (v instanceof String str) {
            return string(sb, str);
        } else if (v == null) {
            sb.append("null");
            return true;
        } else if (v instanceof Map<?, ?> m) {
            Collection<? extends Map.Entry<?, ?>> entries = m.entrySet();
            if (sortKeys && m.size() > 1) {
                List<Map.Entry<?, ?>> sorted = new ArrayList<>(entries);
                sorted.sort(KEY_ORDER);
                entries = sorted;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                if (!(e.getKey() instanceof String k) || !string(sb, k)) {
                    return false;
                }
                sb.append(':');
                if (!byHand(sb, e.getValue(), sortKeys)) {
                    return false;
                }
            }
            sb.append('}');
            return true;
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                if (!byHand(sb, l.get(i), sortKeys)) {
                    return false;
                }
            }
            sb.append(']');
            return true;
        } else if (v instanceof Long || v instanceof Integer || v instanceof Boolean) {
            sb.append(v);
            return true;
        } else if (v instanceof Double d && Double.isFinite(d)) {
            sb.append(d.doubleValue());
            return true;
        } else if (v instanceof BigDecimal b) {
            sb.append(b);
            return true;
        }
        return false;
    }

    private static boolean string(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return false;
            }
        }
        sb.append('"').append(s).append('"');
        return true;
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

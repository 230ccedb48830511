package io.posduif.functions.sync;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
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
        return write(tree, false);
    }

    /** The tree as JSON with every map's keys in ascending order: one text per content, for hashing. */
    static String sorted(Object tree) {
        return write(tree, true);
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

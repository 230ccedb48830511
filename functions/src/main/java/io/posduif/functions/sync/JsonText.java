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

    private static void value(JsonGenerator g, Object v, boolean sortKeys) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case Short s -> g.writeNumber(s);
            case Byte b -> g.writeNumber(b);
            case BigInteger b -> g.writeNumber(b);
            case BigDecimal b -> g.writeNumber(b);
            case Map<?, ?> m -> {
                g.writeStartObject();
                if (sortKeys) {
                    List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
                    entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
                    for (Map.Entry<?, ?> e : entries) {
                        g.writeFieldName(String.valueOf(e.getKey()));
                        value(g, e.getValue(), true);
                    }
                } else {
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        g.writeFieldName(String.valueOf(e.getKey()));
                        value(g, e.getValue(), false);
                    }
                }
                g.writeEndObject();
            }
            case Collection<?> c -> {
                g.writeStartArray();
                for (Object o : c) {
                    value(g, o, sortKeys);
                }
                g.writeEndArray();
            }
            case Object[] a -> value(g, java.util.Arrays.asList(a), sortKeys);
            default -> throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
        }
    }
}

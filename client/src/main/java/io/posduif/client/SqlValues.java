package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Base64;

/**
 * Converts between the protocol's wire values and what SQLite stores: booleans as 0/1,
 * json as its text, blobs as bytes (base64 on the wire). Pushing a row back out goes through
 * the reverse mapping, so a value survives SQLite unchanged.
 */
final class SqlValues {
    private SqlValues() {
    }

    static Object toSql(ColumnDef column, JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        return switch (column.type()) {
            case "boolean" -> {
                if (v.isBoolean()) {
                    yield v.booleanValue() ? 1 : 0;
                }
                if (v.isNumber()) {
                    yield v.asLong() != 0 ? 1 : 0;
                }
                String s = v.asText();
                if (s.equalsIgnoreCase("true") || s.equals("1")) {
                    yield 1;
                }
                if (s.equalsIgnoreCase("false") || s.equals("0")) {
                    yield 0;
                }
                throw invalid(column, v);
            }
            case "integer" -> {
                if (v.isIntegralNumber()) {
                    yield v.asLong();
                }
                if (v.isNumber() && v.asDouble() == Math.rint(v.asDouble())) {
                    yield (long) v.asDouble();
                }
                try {
                    yield Long.parseLong(v.asText());
                } catch (NumberFormatException e) {
                    throw invalid(column, v);
                }
            }
            case "real" -> {
                if (v.isNumber()) {
                    yield v.asDouble();
                }
                try {
                    yield Double.parseDouble(v.asText());
                } catch (NumberFormatException e) {
                    throw invalid(column, v);
                }
            }
            case "json" -> Json.write(v);
            case "blob" -> {
                try {
                    yield Base64.getDecoder().decode(v.asText());
                } catch (IllegalArgumentException e) {
                    throw invalid(column, v);
                }
            }
            default -> v.isTextual() ? v.asText() : (v.isValueNode() ? v.asText() : Json.write(v));
        };
    }

    static JsonNode fromSql(ColumnDef column, Object o) {
        if (o == null) {
            return NullNode.getInstance();
        }
        return switch (column.type()) {
            case "boolean" -> BooleanNode.valueOf(o instanceof Number n ? n.longValue() != 0 : Boolean.parseBoolean(o.toString()) || "1".equals(o.toString()));
            case "integer" -> o instanceof Number n ? LongNode.valueOf(n.longValue()) : LongNode.valueOf(Long.parseLong(o.toString()));
            case "real" -> o instanceof Number n ? DoubleNode.valueOf(n.doubleValue()) : DoubleNode.valueOf(Double.parseDouble(o.toString()));
            case "json" -> Json.parse(o.toString());
            case "blob" -> TextNode.valueOf(Base64.getEncoder().encodeToString(o instanceof byte[] b ? b : o.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            default -> TextNode.valueOf(o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : o.toString());
        };
    }

    /** The canonical wire form of a value: what it becomes after a round trip through SQLite. */
    static JsonNode canonical(ColumnDef column, JsonNode v) {
        return fromSql(column, toSql(column, v));
    }

    private static LocalWriteException invalid(ColumnDef column, JsonNode v) {
        return new LocalWriteException("INVALID_VALUE", "column " + column.name() + " (" + column.type() + ") cannot hold " + v);
    }
}

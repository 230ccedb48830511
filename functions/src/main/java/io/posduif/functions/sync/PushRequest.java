package io.posduif.functions.sync;

import io.posduif.functions.http.ApiException;
import io.posduif.protocol.ErrorCode;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A push batch after structural validation: JSON types, op names, sizes. Anything wrong here
 * fails the whole request with 400 before a single row is touched; per-operation rules (table,
 * columns, scope) are checked later and reject only that operation.
 */
record PushRequest(List<Op> ops) {

    /**
     * What an op does. {@code INSERT} is an upsert of a row the device created: applied exactly as
     * an upsert (a row the server already holds is updated, by the table's conflict policy), but
     * the push takes the row as new and writes it without reading it first, and is redone with the
     * row read when the write finds it there. A device that says so of rows it made saves the
     * server a read per row; one that is wrong costs it a redo, never a different answer.
     */
    enum Kind { UPSERT, INSERT, DELETE }

    /** One outbox operation as received; {@code raw} is hashed for the op ledger. */
    record Op(int index, String opId, String table, Kind kind, Map<String, Object> pk, Map<String, Object> data,
              List<String> changedFields, Instant clientTs, Map<String, Object> raw) {
    }

    @SuppressWarnings("unchecked")
    static PushRequest parse(Object body, int maxOps) {
        if (!(body instanceof Map<?, ?> root) || !(root.get("ops") instanceof List<?> list)) {
            throw malformed("body must be an object with an \"ops\" array", "ops");
        }
        if (list.size() > maxOps) {
            throw new ApiException(ErrorCode.VALIDATION_ERROR, "at most " + maxOps + " operations per push",
                    Map.of("field", "ops", "max", maxOps));
        }
        Set<String> seen = new HashSet<>();
        List<Op> ops = new java.util.ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String at = "ops[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw malformed(at + " must be an object", at);
            }
            String opId = string(m, "op_id", at);
            if (opId.isEmpty() || opId.length() > 128) {
                throw new ApiException(ErrorCode.VALIDATION_ERROR, at + ".op_id must be 1..128 characters", Map.of("field", at + ".op_id"));
            }
            if (opId.indexOf('\u0000') >= 0) {
                // valid JSON ("\u0000"), but PostgreSQL text cannot hold it: the ledger could not record the op
                throw new ApiException(ErrorCode.VALIDATION_ERROR, at + ".op_id must not contain U+0000", Map.of("field", at + ".op_id"));
            }
            if (io.posduif.functions.db.PgText.hasLoneSurrogate(opId)) {
                // the ledger would record, and order against the device's op mark, another id than this one
                throw new ApiException(ErrorCode.VALIDATION_ERROR, at + ".op_id must be valid Unicode (a surrogate without its pair)",
                        Map.of("field", at + ".op_id"));
            }
            if (!seen.add(opId)) {
                throw new ApiException(ErrorCode.VALIDATION_ERROR, "op_id " + opId + " appears twice in one batch", Map.of("field", at + ".op_id"));
            }
            String table = string(m, "table", at);
            Kind kind = switch (string(m, "op", at)) {
                case "upsert" -> Kind.UPSERT;
                case "insert" -> Kind.INSERT;
                case "delete" -> Kind.DELETE;
                default -> throw new ApiException(ErrorCode.VALIDATION_ERROR, at + ".op must be upsert, insert or delete", Map.of("field", at + ".op"));
            };
            if (!(m.get("pk") instanceof Map<?, ?> pk)) {
                throw malformed(at + ".pk must be an object", at + ".pk");
            }
            Object d = m.get("data");
            if (kind != Kind.DELETE && !(d instanceof Map<?, ?>)) {
                throw malformed(at + ".data must be an object", at + ".data");
            }
            if (d != null && !(d instanceof Map<?, ?>)) {
                throw malformed(at + ".data must be an object", at + ".data");
            }
            List<String> changed = null;
            Object cf = m.get("changed_fields");
            if (cf != null) {
                if (!(cf instanceof List<?> l) || !l.stream().allMatch(x -> x instanceof String)) {
                    throw malformed(at + ".changed_fields must be an array of strings", at + ".changed_fields");
                }
                changed = (List<String>) l;
            }
            Instant ts;
            try {
                ts = io.posduif.functions.schema.ColumnType.parseInstant(string(m, "client_ts", at));
            } catch (IllegalArgumentException e) {
                throw malformed(at + ".client_ts must be an RFC 3339 timestamp", at + ".client_ts");
            }
            ops.add(new Op(i, opId, table, kind, (Map<String, Object>) pk,
                    d == null ? Map.of() : (Map<String, Object>) d, changed, ts, (Map<String, Object>) m));
        }
        return new PushRequest(ops);
    }

    private static String string(Map<?, ?> m, String field, String at) {
        if (!(m.get(field) instanceof String s)) {
            throw malformed(at + "." + field + " must be a string", at + "." + field);
        }
        return s;
    }

    private static ApiException malformed(String message, String field) {
        return new ApiException(ErrorCode.MALFORMED_REQUEST, message, Map.of("field", field));
    }
}

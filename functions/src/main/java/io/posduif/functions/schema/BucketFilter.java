package io.posduif.functions.schema;

import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.FilterParser.Comparison;
import io.posduif.functions.schema.FilterParser.FilterException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The {@link SyncFilter} of a table, compiled from the filter language.
 *
 * <p>Key shape: {@code <table>|<param>=<value>[&<param>=<value>…]} with the parameters of one
 * conjunction sorted by name, and {@code <table>|*} for a conjunction without parameters (or a
 * table without filter). The key names the <em>parameter</em>, not the column, so that
 * {@code sender_id = :user_id OR recipient_id = :user_id} puts a message into the buckets of
 * both users and a principal needs one key per parameter value. Values are percent-escaped
 * for {@code % | & =} so that no value can forge another key. Literal comparisons are row
 * predicates: a row outside them produces no key for that conjunction.
 *
 * <p>Only text, integer, uuid and boolean columns may be compared: their PostgreSQL text form
 * ({@code col::text}) and their canonical Java form agree exactly, which is what lets the
 * trigger (SQL) and push scope checks (Java) compute identical keys.
 */
public final class BucketFilter implements SyncFilter {

    static final Set<ColumnType> FILTERABLE = Set.of(ColumnType.TEXT, ColumnType.INTEGER, ColumnType.UUID, ColumnType.BOOLEAN);
    private static final Pattern ROW_REF = Pattern.compile("NEW|OLD|[a-z_][a-z0-9_]{0,62}");
    /** A principal with list attributes could otherwise subscribe to a combinatorial number of keys. */
    private static final int MAX_PRINCIPAL_KEYS = 10_000;

    /** One conjunction: parameter → compared columns, plus literal row predicates. */
    private record Conjunct(TreeMap<String, List<String>> paramColumns, Map<String, Boolean> listParam,
                            List<Comparison> literals) {
    }

    private final String table;
    private final String source;
    private final Map<String, ColumnType> types;
    private final List<Conjunct> conjuncts;
    private final Set<String> columns;
    private final Set<String> parameters;

    private BucketFilter(String table, String source, Map<String, ColumnType> types, List<Conjunct> conjuncts,
                         Set<String> columns, Set<String> parameters) {
        this.table = table;
        this.source = source;
        this.types = types;
        this.conjuncts = conjuncts;
        this.columns = Set.copyOf(columns);
        this.parameters = Set.copyOf(parameters);
    }

    /**
     * Compiles {@code source} for a table whose columns (and their types) are {@code types}.
     *
     * @throws FilterException naming the first problem: syntax, unknown column or parameter,
     *                         a literal that does not fit its column, an unfilterable column type
     */
    static BucketFilter compile(String table, String source, Map<String, ColumnType> types) throws FilterException {
        List<List<Comparison>> dnf = FilterParser.parse(source);
        List<Conjunct> conjuncts = new ArrayList<>();
        Set<String> cols = new TreeSet<>();
        Set<String> params = new TreeSet<>();
        for (List<Comparison> conj : dnf) {
            TreeMap<String, List<String>> pc = new TreeMap<>();
            Map<String, Boolean> listParam = new LinkedHashMap<>();
            List<Comparison> lits = new ArrayList<>();
            for (Comparison c : conj) {
                ColumnType t = types.get(c.column());
                if (t == null) {
                    throw new FilterException("unknown column '" + c.column() + "'");
                }
                if (!FILTERABLE.contains(t)) {
                    throw new FilterException("column '" + c.column() + "' has type " + t.wireName()
                            + "; filters compare only text, integer, uuid and boolean columns");
                }
                cols.add(c.column());
                if (c.isParam()) {
                    String p = c.param();
                    checkParam(p, c.in(), c.column(), t);
                    params.add(p);
                    pc.computeIfAbsent(p, k -> new ArrayList<>()).add(c.column());
                    listParam.merge(p, c.in(), (a, b) -> a || b);
                } else {
                    List<Object> canon = new ArrayList<>();
                    for (Object lit : c.literals()) {
                        String v = literalText(lit, t);
                        if (v == null) {
                            throw new FilterException("literal " + render(lit) + " does not fit column '" + c.column()
                                    + "' of type " + t.wireName());
                        }
                        canon.add(v);
                    }
                    lits.add(new Comparison(c.column(), c.in(), null, List.copyOf(canon)));
                }
            }
            conjuncts.add(new Conjunct(pc, listParam, List.copyOf(lits)));
        }
        return new BucketFilter(table, source, Map.copyOf(types), List.copyOf(conjuncts), cols, params);
    }

    /** The single-bucket "filter" of a table without one. */
    static BucketFilter everything(String table) {
        return new BucketFilter(table, "", Map.of(), List.of(new Conjunct(new TreeMap<>(), Map.of(), List.of())), Set.of(), Set.of());
    }

    private static void checkParam(String p, boolean in, String column, ColumnType t) throws FilterException {
        switch (p) {
            case "user_id" -> {
                if (in) {
                    throw new FilterException(":user_id is a single value; use '" + column + " = :user_id'");
                }
                if (t != ColumnType.UUID && t != ColumnType.TEXT) {
                    throw new FilterException(":user_id is a uuid and cannot match column '" + column + "' of type " + t.wireName());
                }
            }
            case "device_id" -> {
                if (in) {
                    throw new FilterException(":device_id is a single value; use '" + column + " = :device_id'");
                }
                if (t != ColumnType.TEXT) {
                    throw new FilterException(":device_id is text and cannot match column '" + column + "' of type " + t.wireName());
                }
            }
            default -> {
                if (!p.startsWith("user.") || !FilterParser.PARAM_ATTRIBUTE.matcher(p.substring(5)).matches()) {
                    throw new FilterException("unknown parameter ':" + p + "' (use :user_id, :device_id or :user.<attribute>)");
                }
            }
        }
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Set<String> columns() {
        return columns;
    }

    @Override
    public Set<String> parameters() {
        return parameters;
    }

    /** The table the keys are prefixed with. */
    public String table() {
        return table;
    }

    @Override
    public String bucketsSql(String rowRef) {
        if (rowRef == null || !ROW_REF.matcher(rowRef).matches()) {
            throw new IllegalArgumentException("row reference must be NEW, OLD or an identifier");
        }
        List<String> keys = new ArrayList<>();
        for (Conjunct c : conjuncts) {
            keys.add(conjunctSql(c, rowRef));
        }
        if (keys.size() == 1) {
            return "array_remove(ARRAY[" + keys.get(0) + "]::text[], NULL)";
        }
        return "ARRAY(SELECT DISTINCT k FROM unnest(ARRAY[" + String.join(", ", keys) + "]::text[]) AS u(k) WHERE k IS NOT NULL)";
    }

    private String conjunctSql(Conjunct c, String rowRef) {
        List<String> conds = new ArrayList<>();
        for (Comparison lit : c.literals()) {
            String col = colText(rowRef, lit.column());
            List<String> vals = new ArrayList<>();
            for (Object v : lit.literals()) {
                vals.add(sqlString((String) v));
            }
            conds.add(col + " IN (" + String.join(", ", vals) + ")");
        }
        StringBuilder key = new StringBuilder(sqlString(table + "|"));
        if (c.paramColumns().isEmpty()) {
            key = new StringBuilder(sqlString(table + "|*"));
        }
        boolean first = true;
        for (Map.Entry<String, List<String>> e : c.paramColumns().entrySet()) {
            List<String> cols = e.getValue();
            String lead = colText(rowRef, cols.get(0));
            conds.add(lead + " IS NOT NULL");
            for (int k = 1; k < cols.size(); k++) {
                conds.add(colText(rowRef, cols.get(k)) + " = " + lead);
            }
            key.append(" || ").append(sqlString((first ? "" : "&") + e.getKey() + "=")).append(" || ").append(escapeSql(lead));
            first = false;
        }
        if (conds.isEmpty()) {
            return key.toString();
        }
        return "CASE WHEN " + String.join(" AND ", conds) + " THEN " + key + " END";
    }

    private static String colText(String rowRef, String column) {
        return "(" + rowRef + "." + Sql.q(column) + ")::text";
    }

    private static String escapeSql(String expr) {
        return "replace(replace(replace(replace(" + expr + ", '%', '%25'), '|', '%7C'), '&', '%26'), '=', '%3D')";
    }

    static String escape(String v) {
        return v.replace("%", "%25").replace("|", "%7C").replace("&", "%26").replace("=", "%3D");
    }

    private static String sqlString(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    @Override
    public Set<String> bucketsOfRow(Map<String, Object> row) {
        Set<String> out = new LinkedHashSet<>();
        for (Conjunct c : conjuncts) {
            String key = rowKey(c, row);
            if (key != null) {
                out.add(key);
            }
        }
        return out;
    }

    private String rowKey(Conjunct c, Map<String, Object> row) {
        for (Comparison lit : c.literals()) {
            String v = canonical(types.get(lit.column()), row.get(lit.column()));
            if (v == null || !lit.literals().contains(v)) {
                return null;
            }
        }
        if (c.paramColumns().isEmpty()) {
            return table + "|*";
        }
        StringBuilder key = new StringBuilder(table).append('|');
        boolean first = true;
        for (Map.Entry<String, List<String>> e : c.paramColumns().entrySet()) {
            String value = null;
            for (String col : e.getValue()) {
                String v = canonical(types.get(col), row.get(col));
                if (v == null || (value != null && !value.equals(v))) {
                    return null;
                }
                value = v;
            }
            key.append(first ? "" : "&").append(e.getKey()).append('=').append(escape(value));
            first = false;
        }
        return key.toString();
    }

    @Override
    public List<String> bucketsOfPrincipal(Map<String, Object> params) {
        Set<String> out = new LinkedHashSet<>();
        for (Conjunct c : conjuncts) {
            if (c.paramColumns().isEmpty()) {
                out.add(table + "|*");
                continue;
            }
            List<String> partial = new ArrayList<>();
            partial.add(table + "|");
            boolean first = true;
            for (Map.Entry<String, List<String>> e : c.paramColumns().entrySet()) {
                ColumnType t = types.get(e.getValue().get(0));
                Collection<String> values = principalValues(lookup(params, e.getKey()), t, c.listParam().get(e.getKey()));
                List<String> next = new ArrayList<>();
                for (String p : partial) {
                    for (String v : values) {
                        next.add(p + (first ? "" : "&") + e.getKey() + "=" + escape(v));
                        if (next.size() > MAX_PRINCIPAL_KEYS) {
                            throw new IllegalArgumentException("principal has more than " + MAX_PRINCIPAL_KEYS + " bucket keys for " + table);
                        }
                    }
                }
                partial = next;
                first = false;
            }
            out.addAll(partial);
        }
        return List.copyOf(out);
    }

    private static Object lookup(Map<String, Object> params, String name) {
        if (params.containsKey(name)) {
            return params.get(name);
        }
        if (name.startsWith("user.") && params.get("user") instanceof Map<?, ?> attrs) {
            return attrs.get(name.substring(5));
        }
        return null;
    }

    private static Collection<String> principalValues(Object raw, ColumnType t, Boolean list) {
        Set<String> out = new LinkedHashSet<>();
        if (raw instanceof Collection<?> many) {
            // a list compared with '=' has no single value: the principal matches nothing there
            if (Boolean.TRUE.equals(list)) {
                for (Object o : many) {
                    String v = canonical(t, o);
                    if (v != null) {
                        out.add(v);
                    }
                }
            }
        } else {
            String v = canonical(t, raw);
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * The text a value has in PostgreSQL as {@code col::text}, or null if it is null or does
     * not fit the type (such a value matches no bucket).
     */
    static String canonical(ColumnType t, Object v) {
        if (v == null) {
            return null;
        }
        try {
            return switch (t) {
                case TEXT -> v instanceof String s ? s : (v instanceof Number || v instanceof Boolean ? numberOrBool(v) : null);
                case INTEGER -> {
                    if (v instanceof String s) {
                        yield Long.toString(Long.parseLong(s.trim()));
                    }
                    yield v instanceof Number ? Long.toString((Long) t.toJdbc(v)) : null;
                }
                case BOOLEAN -> {
                    if (v instanceof Boolean b) {
                        yield b.toString();
                    }
                    yield v instanceof String s && (s.equals("true") || s.equals("false")) ? s : null;
                }
                case UUID -> v instanceof java.util.UUID u ? u.toString()
                        : v instanceof String s ? java.util.UUID.fromString(s).toString().equals(s.toLowerCase(Locale.ROOT))
                        ? s.toLowerCase(Locale.ROOT) : null : null;
                default -> null;
            };
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String numberOrBool(Object v) {
        if (v instanceof BigDecimal d) {
            return d.stripTrailingZeros().toPlainString();
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) {
            return Long.toString(d.longValue());
        }
        return v.toString();
    }

    /** The canonical text of a filter literal for a column of type {@code t}, or null if it does not fit. */
    private static String literalText(Object lit, ColumnType t) {
        return switch (t) {
            case TEXT -> lit instanceof String s ? s : null;
            case INTEGER -> {
                if (lit instanceof BigDecimal d) {
                    try {
                        yield Long.toString(d.longValueExact());
                    } catch (ArithmeticException e) {
                        yield null;
                    }
                }
                yield null;
            }
            case BOOLEAN -> lit instanceof Boolean b ? b.toString() : null;
            case UUID -> lit instanceof String s ? canonical(ColumnType.UUID, s) : null;
            default -> null;
        };
    }

    private static String render(Object lit) {
        return lit instanceof String s ? "'" + s + "'" : lit instanceof BigDecimal d ? d.toPlainString() : String.valueOf(lit);
    }

    /** A stable text form for checksums: the normalised conjunctions. */
    String canonicalForm() {
        StringBuilder b = new StringBuilder();
        for (Conjunct c : conjuncts) {
            b.append('(').append(c.paramColumns()).append(c.listParam()).append(c.literals()).append(')');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}

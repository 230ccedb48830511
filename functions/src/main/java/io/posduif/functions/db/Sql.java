package io.posduif.functions.db;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Identifier hygiene for SQL we compose at run time.
 *
 * <p>Table and column names come from tenant schema files and request paths, so they can never
 * be bound as parameters. Everything that reaches SQL text goes through {@link #q(String)},
 * which accepts only the identifier shape the schema validator allows and quotes it; anything
 * else is a bug or an attack and fails loudly.
 */
public final class Sql {

    /** Lower-case ASCII, starts with a letter or underscore, at most 63 bytes (PostgreSQL's NAMEDATALEN-1). */
    public static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /**
     * SQL and SQLite reserved words we refuse as identifiers even though quoting would allow
     * them: a column called {@code select} works until someone writes SQL by hand.
     */
    public static final Set<String> RESERVED = Set.of(
            "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
            "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
            "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
            "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
            "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
            "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
            "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique", "user",
            "using", "variadic", "when", "where", "window", "with", "delete", "update", "insert", "drop", "alter",
            "index", "key", "values", "set", "join", "left", "right", "inner", "outer", "cross", "natural", "is",
            "like", "between", "exists", "transaction", "commit", "rollback", "begin", "vacuum", "pragma", "attach",
            "detach", "rowid", "oid", "xmin", "xmax", "cmin", "cmax", "ctid", "tableoid");

    private Sql() {
    }

    public static boolean isValidIdentifier(String s) {
        return s != null && IDENTIFIER.matcher(s).matches() && !RESERVED.contains(s.toLowerCase(Locale.ROOT));
    }

    /** Quotes a validated identifier. */
    public static String q(String identifier) {
        if (identifier == null || !IDENTIFIER.matcher(identifier).matches()) {
            throw new IllegalArgumentException("not a valid identifier: " + identifier);
        }
        return '"' + identifier + '"';
    }

    /** {@code "schema"."name"}. */
    public static String q(String schema, String name) {
        return q(schema) + '.' + q(name);
    }
}

package io.posduif.functions.schema;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses the partial-sync predicate language (docs/schema-format.md, "Filters").
 *
 * <p>The grammar is deliberately tiny: comparisons of a column with a principal parameter or a
 * literal, {@code IN}, {@code AND}, {@code OR} and parentheses. Nothing from the text ever
 * reaches SQL as text: identifiers are checked against the table, literals are re-rendered by
 * {@link BucketFilter}. The result is normalised to an OR of ANDs because bucket keys are a
 * per-conjunction notion.
 */
final class FilterParser {

    static final Pattern PARAM_ATTRIBUTE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final int MAX_CONJUNCTIONS = 32;
    private static final int MAX_LENGTH = 2000;

    /** A mistake in a filter, with the 0-based character position it was found at. */
    static final class FilterException extends Exception {
        FilterException(String message) {
            super(message, null, false, false);
        }
    }

    /** One comparison. Either {@code param} or {@code literals} is set. */
    record Comparison(String column, boolean in, String param, List<Object> literals) {
        boolean isParam() {
            return param != null;
        }
    }

    private sealed interface Node permits Leaf, And, Or {
    }

    private record Leaf(Comparison c) implements Node {
    }

    private record And(List<Node> parts) implements Node {
    }

    private record Or(List<Node> parts) implements Node {
    }

    private enum Kind { IDENT, PARAM, STRING, NUMBER, LPAREN, RPAREN, COMMA, EQ, END }

    private record Token(Kind kind, String text, int pos) {
    }

    private final String src;
    private final List<Token> tokens;
    private int i;

    private FilterParser(String src) throws FilterException {
        this.src = src;
        this.tokens = lex(src);
    }

    /** Parses {@code src} into conjunctions (OR of ANDs); each inner list is one conjunction. */
    static List<List<Comparison>> parse(String src) throws FilterException {
        if (src == null || src.isBlank()) {
            throw new FilterException("filter is empty");
        }
        if (src.length() > MAX_LENGTH) {
            throw new FilterException("filter is longer than " + MAX_LENGTH + " characters");
        }
        FilterParser p = new FilterParser(src);
        Node n = p.orExpr(0);
        if (p.peek().kind != Kind.END) {
            throw p.error("unexpected '" + p.peek().text + "'");
        }
        return dnf(n);
    }

    private Node orExpr(int depth) throws FilterException {
        if (depth > 20) {
            throw error("filter nests too deeply");
        }
        List<Node> parts = new ArrayList<>();
        parts.add(andExpr(depth));
        while (isKeyword(peek(), "OR")) {
            i++;
            parts.add(andExpr(depth));
        }
        return parts.size() == 1 ? parts.get(0) : new Or(parts);
    }

    private Node andExpr(int depth) throws FilterException {
        List<Node> parts = new ArrayList<>();
        parts.add(primary(depth));
        while (isKeyword(peek(), "AND")) {
            i++;
            parts.add(primary(depth));
        }
        return parts.size() == 1 ? parts.get(0) : new And(parts);
    }

    private Node primary(int depth) throws FilterException {
        Token t = peek();
        if (t.kind == Kind.LPAREN) {
            i++;
            Node n = orExpr(depth + 1);
            expect(Kind.RPAREN, "')'");
            return n;
        }
        if (t.kind != Kind.IDENT || isKeyword(t, "AND") || isKeyword(t, "OR") || isKeyword(t, "IN")
                || isKeyword(t, "TRUE") || isKeyword(t, "FALSE")) {
            throw error("expected a column name, got '" + t.text + "'");
        }
        i++;
        String column = t.text;
        Token op = next();
        if (op.kind == Kind.EQ) {
            Token v = next();
            if (v.kind == Kind.PARAM) {
                return new Leaf(new Comparison(column, false, v.text, null));
            }
            return new Leaf(new Comparison(column, false, null, List.of(literal(v))));
        }
        if (isKeyword(op, "IN")) {
            Token v = next();
            if (v.kind == Kind.PARAM) {
                return new Leaf(new Comparison(column, true, v.text, null));
            }
            if (v.kind != Kind.LPAREN) {
                throw error("IN needs a list parameter or a parenthesised list of literals");
            }
            List<Object> lits = new ArrayList<>();
            do {
                lits.add(literal(next()));
            } while (peek().kind == Kind.COMMA && next() != null);
            expect(Kind.RPAREN, "')' closing the IN list");
            return new Leaf(new Comparison(column, true, null, List.copyOf(lits)));
        }
        throw error("expected '=' or IN after column '" + column + "', got '" + op.text + "'");
    }

    private Object literal(Token v) throws FilterException {
        return switch (v.kind) {
            case STRING -> v.text;
            case NUMBER -> new BigDecimal(v.text);
            case IDENT -> {
                if (isKeyword(v, "TRUE")) {
                    yield Boolean.TRUE;
                }
                if (isKeyword(v, "FALSE")) {
                    yield Boolean.FALSE;
                }
                throw error("expected a parameter or a literal, got '" + v.text + "' (columns can only be compared with parameters and literals)");
            }
            default -> throw error("expected a parameter or a literal, got '" + v.text + "'");
        };
    }

    private static List<List<Comparison>> dnf(Node n) throws FilterException {
        if (n instanceof Leaf l) {
            List<List<Comparison>> out = new ArrayList<>();
            out.add(List.of(l.c()));
            return out;
        }
        if (n instanceof Or o) {
            List<List<Comparison>> out = new ArrayList<>();
            for (Node p : o.parts()) {
                out.addAll(dnf(p));
                check(out);
            }
            return out;
        }
        List<List<Comparison>> acc = new ArrayList<>();
        acc.add(List.of());
        for (Node p : ((And) n).parts()) {
            List<List<Comparison>> next = new ArrayList<>();
            for (List<Comparison> left : acc) {
                for (List<Comparison> right : dnf(p)) {
                    List<Comparison> merged = new ArrayList<>(left);
                    merged.addAll(right);
                    next.add(List.copyOf(merged));
                    check(next);
                }
            }
            acc = next;
        }
        return acc;
    }

    private static void check(List<?> conjunctions) throws FilterException {
        if (conjunctions.size() > MAX_CONJUNCTIONS) {
            throw new FilterException("filter expands to more than " + MAX_CONJUNCTIONS + " OR-ed alternatives");
        }
    }

    private static boolean isKeyword(Token t, String kw) {
        return t.kind == Kind.IDENT && t.text.toUpperCase(Locale.ROOT).equals(kw);
    }

    private Token peek() {
        return tokens.get(i);
    }

    private Token next() {
        Token t = tokens.get(i);
        if (t.kind != Kind.END) {
            i++;
        }
        return t;
    }

    private void expect(Kind kind, String what) throws FilterException {
        Token t = next();
        if (t.kind != kind) {
            throw error("expected " + what + ", got '" + t.text + "'");
        }
    }

    private FilterException error(String message) {
        return new FilterException(message + " at position " + (peek().pos + 1));
    }

    private static List<Token> lex(String s) throws FilterException {
        List<Token> out = new ArrayList<>();
        int n = s.length();
        int p = 0;
        while (p < n) {
            char c = s.charAt(p);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                p++;
            } else if (c == '(') {
                out.add(new Token(Kind.LPAREN, "(", p++));
            } else if (c == ')') {
                out.add(new Token(Kind.RPAREN, ")", p++));
            } else if (c == ',') {
                out.add(new Token(Kind.COMMA, ",", p++));
            } else if (c == '=') {
                out.add(new Token(Kind.EQ, "=", p++));
            } else if (c == '\'') {
                StringBuilder b = new StringBuilder();
                int start = p++;
                while (true) {
                    if (p >= n) {
                        throw new FilterException("unterminated string literal at position " + (start + 1));
                    }
                    char d = s.charAt(p++);
                    if (d == '\'') {
                        if (p < n && s.charAt(p) == '\'') {
                            b.append('\'');
                            p++;
                        } else {
                            break;
                        }
                    } else {
                        b.append(d);
                    }
                }
                out.add(new Token(Kind.STRING, b.toString(), start));
            } else if (c == ':') {
                int start = p++;
                int q = p;
                while (q < n && (isIdentChar(s.charAt(q)) || s.charAt(q) == '.')) {
                    q++;
                }
                String name = s.substring(p, q);
                if (name.isEmpty()) {
                    throw new FilterException("':' must be followed by a parameter name at position " + (start + 1));
                }
                out.add(new Token(Kind.PARAM, name, start));
                p = q;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                int start = p;
                int q = p + 1;
                while (q < n && ((s.charAt(q) >= '0' && s.charAt(q) <= '9') || s.charAt(q) == '.')) {
                    q++;
                }
                String num = s.substring(start, q);
                try {
                    new BigDecimal(num);
                } catch (NumberFormatException e) {
                    throw new FilterException("bad number '" + num + "' at position " + (start + 1));
                }
                out.add(new Token(Kind.NUMBER, num, start));
                p = q;
            } else if (isIdentStart(c)) {
                int start = p;
                int q = p;
                while (q < n && isIdentChar(s.charAt(q))) {
                    q++;
                }
                out.add(new Token(Kind.IDENT, s.substring(start, q), start));
                p = q;
            } else {
                throw new FilterException("unexpected character '" + printable(c) + "' at position " + (p + 1)
                        + " (filters allow only comparisons, IN, AND, OR and parentheses)");
            }
        }
        out.add(new Token(Kind.END, "end of filter", n));
        return out;
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    private static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    private static boolean isIdentChar(char c) {
        return isIdentStart(c) || (c >= '0' && c <= '9');
    }
}

package io.posduif.client;

import java.util.regex.Pattern;

/** Table and column names come from the server; they are validated and quoted before reaching SQL. */
final class Identifiers {
    private static final Pattern VALID = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private Identifiers() {
    }

    static String require(String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid identifier: " + name);
        }
        return name;
    }

    static String q(String name) {
        return "\"" + require(name) + "\"";
    }
}

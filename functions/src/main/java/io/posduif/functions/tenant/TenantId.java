package io.posduif.functions.tenant;

import java.util.regex.Pattern;

/**
 * A validated tenant id and the PostgreSQL names derived from it.
 *
 * <p>The id ends up in schema and role names, so it is held to a narrow alphabet here, once,
 * instead of being escaped at every use.
 */
public record TenantId(String value) {

    private static final Pattern SHAPE = Pattern.compile("[a-z][a-z0-9_]{0,39}");

    public TenantId {
        if (value == null || !SHAPE.matcher(value).matches()) {
            throw new IllegalArgumentException("tenant id must match " + SHAPE.pattern());
        }
    }

    public static boolean isValid(String value) {
        return value != null && SHAPE.matcher(value).matches();
    }

    /** The tenant's PostgreSQL schema. */
    public String schema() {
        return "tenant_" + value;
    }

    /** The role whose privileges stop at {@link #schema()}. */
    public String role() {
        return "tenant_" + value + "_rw";
    }

    @Override
    public String toString() {
        return value;
    }
}

package io.posduif.functions.auth;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Protocol timestamps: RFC 3339 UTC with exactly millisecond precision. */
public final class WireTime {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private WireTime() {
    }

    public static String format(Instant t) {
        return t == null ? null : FORMAT.format(t.truncatedTo(ChronoUnit.MILLIS));
    }

    public static String format(java.sql.Timestamp t) {
        return t == null ? null : format(t.toInstant());
    }
}

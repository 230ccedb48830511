package io.posduif.functions.schema;

import io.micronaut.json.JsonMapper;
import org.postgresql.util.PGobject;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The portable column types a tenant may declare, and how a value of each type travels.
 *
 * <p>Three representations meet here: the JSON value on the wire (see docs/protocol.md §4),
 * the PostgreSQL column, and the SQLite column on the device. Keeping all three conversions in
 * one place is what lets push, pull, the tables API and the generated SQLite DDL agree on what
 * a "timestamp" is.
 */
public enum ColumnType {
    TEXT("text", "TEXT"),
    INTEGER("bigint", "INTEGER"),
    REAL("double precision", "REAL"),
    BOOLEAN("boolean", "INTEGER"),
    UUID("uuid", "TEXT"),
    TIMESTAMP("timestamptz", "TEXT"),
    DATE("date", "TEXT"),
    JSON("jsonb", "TEXT"),
    BLOB("bytea", "BLOB");

    /** Wire format for timestamps: UTC, millisecond precision, 'Z'. */
    public static final DateTimeFormatter WIRE_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final JsonMapper JSON_MAPPER = JsonMapper.createDefault();

    private final String pgType;
    private final String sqliteType;

    ColumnType(String pgType, String sqliteType) {
        this.pgType = pgType;
        this.sqliteType = sqliteType;
    }

    /** The PostgreSQL type used for the column in the tenant schema. */
    public String pgType() {
        return pgType;
    }

    /** The SQLite storage type used on devices. */
    public String sqliteType() {
        return sqliteType;
    }

    /** The name as written in schema files and on the wire. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ColumnType> fromWireName(String name) {
        for (ColumnType t : values()) {
            if (t.wireName().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * Converts a JSON value from a request into the object to pass to
     * {@link java.sql.PreparedStatement#setObject(int, Object)}.
     *
     * @throws IllegalArgumentException when the value does not fit the type; callers turn this
     *         into {@code INVALID_VALUE} so that a bad value is a 400, never a 500 from the driver.
     */
    public Object toJdbc(Object json) {
        if (json == null) {
            return null;
        }
        return switch (this) {
            case TEXT -> requireType(json, String.class);
            case INTEGER -> {
                if (json instanceof Number n && isIntegral(n)) {
                    yield n.longValue();
                }
                throw invalid(json);
            }
            case REAL -> {
                if (json instanceof Number n) {
                    double d = n.doubleValue();
                    if (Double.isFinite(d)) {
                        yield d;
                    }
                }
                throw invalid(json);
            }
            case BOOLEAN -> requireType(json, Boolean.class);
            case UUID -> {
                String s = requireType(json, String.class);
                try {
                    java.util.UUID u = java.util.UUID.fromString(s);
                    if (!u.toString().equalsIgnoreCase(s)) {
                        throw invalid(json);
                    }
                    yield u;
                } catch (IllegalArgumentException e) {
                    throw invalid(json);
                }
            }
            case TIMESTAMP -> OffsetDateTime.ofInstant(parseInstant(requireType(json, String.class)), ZoneOffset.UTC);
            case DATE -> {
                try {
                    yield LocalDate.parse(requireType(json, String.class));
                } catch (DateTimeParseException e) {
                    throw invalid(json);
                }
            }
            case JSON -> {
                try {
                    PGobject o = new PGobject();
                    o.setType("jsonb");
                    o.setValue(JSON_MAPPER.writeValueAsString(json));
                    yield o;
                } catch (IOException | SQLException e) {
                    throw invalid(json);
                }
            }
            case BLOB -> {
                try {
                    yield Base64.getDecoder().decode(requireType(json, String.class));
                } catch (IllegalArgumentException e) {
                    throw invalid(json);
                }
            }
        };
    }

    /**
     * Converts a value read from PostgreSQL (JDBC object, or a field of {@code to_jsonb(row)})
     * into its wire JSON value.
     */
    public Object toWire(Object value) {
        if (value == null) {
            return null;
        }
        return switch (this) {
            case TEXT -> value.toString();
            case INTEGER -> value instanceof Number n ? n.longValue() : Long.parseLong(value.toString());
            case REAL -> value instanceof Number n ? n.doubleValue() : Double.parseDouble(value.toString());
            case BOOLEAN -> value instanceof Boolean b ? b : Boolean.parseBoolean(value.toString());
            case UUID -> value.toString();
            case TIMESTAMP -> WIRE_TIMESTAMP.format(toInstant(value));
            case DATE -> value instanceof java.sql.Date d ? d.toLocalDate().toString() : value.toString().substring(0, 10);
            case JSON -> {
                if (value instanceof PGobject pg) {
                    try {
                        yield JSON_MAPPER.readValue(pg.getValue(), Object.class);
                    } catch (IOException e) {
                        throw new IllegalStateException("PostgreSQL returned invalid jsonb", e);
                    }
                }
                yield value;
            }
            case BLOB -> {
                if (value instanceof byte[] bytes) {
                    yield Base64.getEncoder().encodeToString(bytes);
                }
                String s = value.toString();
                // to_jsonb(bytea) renders as "\\x0a0b…"
                yield s.startsWith("\\x") ? Base64.getEncoder().encodeToString(HexFormat.of().parseHex(s.substring(2))) : s;
            }
        };
    }

    /** Parses a wire timestamp leniently (any ISO-8601 instant or offset date-time). */
    public static Instant parseInstant(String s) {
        Instant utc = parseUtc(s);
        if (utc != null) {
            return utc;
        }
        try {
            return Instant.parse(s).truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(s).toInstant().truncatedTo(ChronoUnit.MICROS);
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("not an ISO-8601 timestamp: " + abbreviate(s));
            }
        }
    }

    private static final int[] TENS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    /**
     * {@code YYYY-MM-DDTHH:MM:SS[.f]Z} with 1 to 9 fraction digits, the form SDKs send every
     * {@code client_ts} in, read by hand to the instant {@link Instant#parse} gives it (truncated to
     * microseconds); null for any other text, which goes to the general parsers. Why: a push parses
     * one per op, and the formatter took about 2 % of a push's CPU in the server.
     */
    static Instant parseUtc(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59) {
            // 24:00 and leap seconds (:60) too: the general parser knows what they mean
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int fraction = n - 21;
            if (s.charAt(19) != '.' || fraction < 1) {
                return null;
            }
            int f = digits(s, 20, fraction);
            if (f < 0) {
                return null;
            }
            nanos = f * TENS[9 - fraction];
        }
        if (day > 28 && day > LocalDate.of(year, month, 1).lengthOfMonth()) {
            return null;
        }
        long days = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos - nanos % 1_000);
    }

    /** The decimal number of {@code len} ASCII digits at {@code from}; -1 if any is not one. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static Instant toInstant(Object value) {
        if (value instanceof java.sql.Timestamp ts) {
            return ts.toInstant();
        }
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof Instant i) {
            return i;
        }
        // to_jsonb(timestamptz) gives "2024-01-15T10:35:00.123+00:00"
        return parseInstant(value.toString());
    }

    private static boolean isIntegral(Number n) {
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return true;
        }
        if (n instanceof java.math.BigInteger b) {
            return b.bitLength() < 64;
        }
        double d = n.doubleValue();
        return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0E15;
    }

    private <T> T requireType(Object json, Class<T> type) {
        if (type.isInstance(json)) {
            return type.cast(json);
        }
        throw invalid(json);
    }

    private IllegalArgumentException invalid(Object json) {
        return new IllegalArgumentException("expected a " + wireName() + " value, got " + abbreviate(String.valueOf(json)));
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}

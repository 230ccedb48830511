package io.posduif.client.sim;

import io.posduif.client.ColumnDef;
import io.posduif.client.TableDef;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Random but valid rows for any table of the schema, seeded. Columns whose name says they hold
 * the owner (e.g. {@code user_id}, {@code sender_id}) get the device's user id, so writes stay
 * inside a typical "own rows" partial-sync scope.
 */
public final class RowGenerator {
    public static final Set<String> DEFAULT_OWNER_COLUMNS = Set.of("user_id", "owner_id", "sender_id", "created_by", "author_id");
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final String[] WORDS = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"};

    private final Random random;
    private final String userId;
    private final Set<String> ownerColumns;

    public RowGenerator(Random random, String userId, Set<String> ownerColumns) {
        this.random = random;
        this.userId = userId;
        this.ownerColumns = ownerColumns;
    }

    public Map<String, Object> newRow(TableDef table) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (ColumnDef c : table.columns().values()) {
            if (c.serverOwned() && !c.primaryKey()) {
                continue;
            }
            if (c.primaryKey()) {
                row.put(c.name(), key(c));
            } else if (ownerColumns.contains(c.name())) {
                row.put(c.name(), userId);
            } else if (!c.nullable() || random.nextInt(4) != 0) {
                row.put(c.name(), value(c));
            }
        }
        return row;
    }

    /** Key columns of {@code existing} plus one or two freshly generated changeable columns. */
    public Map<String, Object> change(TableDef table, Map<String, Object> key) {
        List<ColumnDef> changeable = new ArrayList<>();
        for (ColumnDef c : table.columns().values()) {
            if (!c.primaryKey() && !c.serverOwned() && !ownerColumns.contains(c.name())) {
                changeable.add(c);
            }
        }
        Map<String, Object> row = new LinkedHashMap<>(key);
        if (changeable.isEmpty()) {
            return row;
        }
        int n = 1 + random.nextInt(Math.min(2, changeable.size()));
        for (int i = 0; i < n; i++) {
            ColumnDef c = changeable.get(random.nextInt(changeable.size()));
            row.put(c.name(), value(c));
        }
        return row;
    }

    private Object key(ColumnDef c) {
        return switch (c.type()) {
            case "integer" -> random.nextLong(1, Long.MAX_VALUE / 2);
            case "uuid" -> uuid();
            default -> "k" + Long.toHexString(random.nextLong());
        };
    }

    /** A version-4 UUID from the seeded random, so runs are reproducible. */
    public String uuid() {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    public Object value(ColumnDef c) {
        return switch (c.type()) {
            case "integer" -> (long) random.nextInt(100_000);
            case "real" -> Math.round(random.nextDouble() * 1_000_000) / 1000.0;
            case "boolean" -> random.nextBoolean();
            case "uuid" -> uuid();
            case "timestamp" -> TS.format(Instant.ofEpochMilli(1_700_000_000_000L + random.nextLong(100_000_000_000L)));
            case "date" -> LocalDate.ofEpochDay(19_000 + random.nextInt(2_000)).toString();
            case "json" -> Map.of("n", random.nextInt(1000), "tag", WORDS[random.nextInt(WORDS.length)]);
            case "blob" -> {
                byte[] b = new byte[8 + random.nextInt(24)];
                random.nextBytes(b);
                yield Base64.getEncoder().encodeToString(b);
            }
            default -> WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)] + " " + random.nextInt(1000);
        };
    }
}

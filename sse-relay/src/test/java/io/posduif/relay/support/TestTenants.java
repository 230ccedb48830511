package io.posduif.relay.support;

import io.posduif.devstack.EmbeddedStack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Tenants, users and devices made with the real engine migrations.
 *
 * <p>The relay must not depend on the functions jar (its beans would start inside the relay), so
 * tests apply functions' migration files from the source tree, in version order, exactly as
 * Flyway would with {@code ${flyway:defaultSchema}} = the tenant schema.
 */
public final class TestTenants {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Pattern VERSION = Pattern.compile("V(\\d+)__.*\\.sql");

    private TestTenants() {
    }

    public static String create(String prefix) {
        String id = prefix + "_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36) + COUNTER.incrementAndGet();
        String schema = "tenant_" + id;
        try (Connection c = EmbeddedStack.shared().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS posduif_control");
            s.execute("CREATE TABLE IF NOT EXISTS posduif_control.tenants (id text PRIMARY KEY, schema_name text NOT NULL UNIQUE,"
                    + " role_name text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now())");
            s.execute("CREATE SCHEMA " + schema);
            for (Path f : migrations()) {
                s.execute(Files.readString(f).replace("${flyway:defaultSchema}", schema));
            }
            s.execute("INSERT INTO posduif_control.tenants (id, schema_name, role_name) VALUES ('" + id + "', '" + schema + "', '" + schema + "_rw')");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return id;
    }

    private static List<Path> migrations() throws IOException {
        Path dir = Path.of("..", "functions", "src", "main", "resources", "db", "tenant");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> VERSION.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(f -> {
                        Matcher m = VERSION.matcher(f.getFileName().toString());
                        m.matches();
                        return Integer.parseInt(m.group(1));
                    })).toList();
        }
    }

    public static UUID user(String tenant, String type) {
        UUID id = UUID.randomUUID();
        exec("INSERT INTO tenant_" + tenant + ".posduif_users (id, username, user_type) VALUES (?, ?, ?)", id, type + "_" + id, type);
        return id;
    }

    public static String device(String tenant, UUID userId) {
        String d = "dev-" + UUID.randomUUID();
        exec("INSERT INTO tenant_" + tenant + ".posduif_devices (device_id, user_id, secret_hash) VALUES (?, ?, 'x')", d, userId);
        return d;
    }

    public static void scopes(String tenant, String deviceId, String... buckets) {
        try (Connection c = EmbeddedStack.shared().connect();
             PreparedStatement ps = c.prepareStatement("INSERT INTO tenant_" + tenant + ".posduif_device_scopes (device_id, buckets) VALUES (?, ?)"
                     + " ON CONFLICT (device_id) DO UPDATE SET buckets = excluded.buckets")) {
            ps.setString(1, deviceId);
            ps.setArray(2, c.createArrayOf("text", buckets));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void exec(String sql, Object... args) {
        try (Connection c = EmbeddedStack.shared().connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Object query(String sql, Object... args) {
        try (Connection c = EmbeddedStack.shared().connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (var rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.posduif.devstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A real PostgreSQL (embedded binaries, {@code wal_level=logical}) and a real Redis (Streams,
 * AOF on) without Docker.
 *
 * <p>Tests share one stack per JVM through {@link #shared()}: starting PostgreSQL costs seconds,
 * and isolation between tests comes from tenants (one schema each), which is exactly the
 * isolation production relies on. The local stack launcher uses {@link #start(Path)} with a data
 * directory that survives restarts.
 */
public final class EmbeddedStack implements AutoCloseable {

    public static final String DATABASE = "posduif";
    public static final String USER = "posduif";
    public static final String PASSWORD = "posduif";

    private static EmbeddedStack shared;

    private final EmbeddedPostgres postgres;
    private final RedisServer redis;
    private final int redisPort;

    private EmbeddedStack(EmbeddedPostgres postgres, RedisServer redis, int redisPort) {
        this.postgres = postgres;
        this.redis = redis;
        this.redisPort = redisPort;
    }

    /**
     * The per-JVM test stack, in a temporary directory, stopped and deleted at JVM exit.
     *
     * <p>Why the deleting: each test JVM's database is 0.1–1.5 GB (a benchmark's more), and a
     * developer's day of test runs left 72 GB of them in /tmp until the disk filled and every
     * write crawled. Directories of JVMs that were killed before their hook ran are removed by
     * the next start ({@link #removeAbandoned}).
     */
    public static synchronized EmbeddedStack shared() {
        if (shared == null) {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            removeAbandoned(tmp);
            Path dir;
            try {
                dir = Files.createTempDirectory(tmp, TEST_DIR_PREFIX);
                shared = start(dir, 0, 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            EmbeddedStack stack = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stack.close();
                // the server's last files (statistics, WAL) can still be written as the stop returns
                for (int attempt = 0; attempt < 5 && Files.exists(dir); attempt++) {
                    deleteTree(dir);
                    if (Files.exists(dir)) {
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }, "posduif-stack-stop"));
        }
        return shared;
    }

    static final String TEST_DIR_PREFIX = "posduif-test-";

    /**
     * Deletes test stack directories under {@code tmp} whose PostgreSQL is not running: no
     * {@code postmaster.pid}, or one naming a process that is gone. A directory younger than ten
     * minutes without one is left alone; its JVM may be starting its server right now.
     */
    static void removeAbandoned(Path tmp) {
        try (var dirs = Files.newDirectoryStream(tmp, TEST_DIR_PREFIX + "*")) {
            for (Path dir : dirs) {
                try {
                    Path pid = dir.resolve("postgres").resolve("postmaster.pid");
                    boolean running;
                    if (Files.exists(pid)) {
                        String first = Files.readAllLines(pid).stream().findFirst().orElse("").trim();
                        running = !first.isEmpty() && ProcessHandle.of(Long.parseLong(first)).map(ProcessHandle::isAlive).orElse(false);
                    } else {
                        running = Files.getLastModifiedTime(dir).toInstant().isAfter(java.time.Instant.now().minus(Duration.ofMinutes(10)));
                    }
                    if (!running) {
                        deleteTree(dir);
                    }
                } catch (IOException | RuntimeException unreadable) {
                    // not ours to judge: leave it
                }
            }
        } catch (IOException ignored) {
            // no temporary directory to tidy
        }
    }

    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a file still held open; the rest goes
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // already gone
        }
    }

    /**
     * Starts on fixed ports (0 = pick a free one; negative = do not start that server, an
     * external one is used), keeping data under {@code dataDir}.
     */
    public static EmbeddedStack start(Path dataDir, int postgresPort, int redisPort) throws IOException {
        Path pgData = dataDir.resolve("postgres");
        Path redisData = dataDir.resolve("redis");
        EmbeddedPostgres pg = postgresPort < 0 ? null : startPostgres(pgData, postgresPort);
        if (redisPort < 0) {
            return new EmbeddedStack(pg, null, -1);
        }
        Files.createDirectories(redisData);
        int rport = redisPort == 0 ? freePort() : redisPort;
        RedisServer redis = RedisServer.newRedisServer()
                .port(rport)
                .bind("127.0.0.1")
                .setting("appendonly yes")
                .setting("appendfsync everysec")
                .setting("dir " + redisData.toAbsolutePath())
                .setting("save \"\"")
                .build();
        try {
            redis.start();
        } catch (IOException | RuntimeException e) {
            if (pg != null) {
                pg.close();
            }
            throw e;
        }
        return new EmbeddedStack(pg, redis, rport);
    }

    private static EmbeddedPostgres startPostgres(Path pgData, int postgresPort) throws IOException {
        Files.createDirectories(pgData);
        boolean fresh = !Files.exists(pgData.resolve("PG_VERSION"));
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder();
        if (Boolean.getBoolean("posduif.pg.statements")) {
            b.setServerConfig("shared_preload_libraries", "pg_stat_statements").setServerConfig("pg_stat_statements.track", "all").setServerConfig("pg_stat_statements.track_planning", "on");
        }
        // diagnostics only (benchmarks, profiling): extra server settings as "name=value;name=value"
        for (String kv : System.getProperty("posduif.pg.config", "").split(";")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                b.setServerConfig(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        EmbeddedPostgres pg = b
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                .setPort(postgresPort == 0 ? freePort() : postgresPort)
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", "off")
                .setPGStartupWait(Duration.ofSeconds(60))
                .start();
        try {
            bootstrapDatabase(pg, fresh);
        } catch (SQLException e) {
            pg.close();
            throw new IOException("could not prepare database " + DATABASE, e);
        }
        return pg;
    }

    private static void bootstrapDatabase(EmbeddedPostgres pg, boolean fresh) throws SQLException {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + USER + "') THEN "
                    + "CREATE ROLE " + USER + " LOGIN SUPERUSER PASSWORD '" + PASSWORD + "'; END IF; END $$");
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
            }
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + DATABASE;
    }

    public int postgresPort() {
        return postgres.getPort();
    }

    public String redisUrl() {
        return "redis://127.0.0.1:" + redisPort;
    }

    public int redisPort() {
        return redisPort;
    }

    public RedisServer redis() {
        return redis;
    }

    public Connection connect() throws SQLException {
        return java.sql.DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    /** Properties for a Micronaut application context pointed at this stack. */
    public java.util.Map<String, String> micronautProperties() {
        return java.util.Map.of(
                "datasources.default.url", jdbcUrl(),
                "datasources.default.username", USER,
                "datasources.default.password", PASSWORD,
                "redis.uri", redisUrl());
    }

    @Override
    public void close() {
        try {
            if (redis != null) {
                redis.stop();
            }
        } catch (IOException | RuntimeException ignored) {
            // already stopped
        }
        try {
            if (postgres != null) {
                postgres.close();
            }
        } catch (IOException | RuntimeException ignored) {
            // already stopped
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

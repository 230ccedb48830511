package io.posduif.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The whole local stack in one process tree: PostgreSQL and Redis (embedded, data under
 * {@code .data/}), the demo tenant and its web admin, then {@code functions} on :8080 and
 * {@code sse-relay} on :8081 as child processes. Ctrl-C (or SIGTERM) stops the children, then
 * Redis and PostgreSQL.
 *
 * <p>With {@code POSDUIF_DATABASE_URL} (and {@code POSDUIF_DATABASE_USER}/{@code _PASSWORD}) or
 * {@code POSDUIF_REDIS_URL} set, that server is external and nothing embedded is started for it.
 * Started from the repository root by {@code ./dev start}.
 */
public final class LocalStack {

    private static final String DEMO_TENANT = "demo";
    private static final String DEMO_USER = "admin";

    private final Path root;
    private final Path data;
    private final Map<String, String> env = System.getenv();
    private final List<Process> children = new ArrayList<>();
    private EmbeddedStack embedded;

    private LocalStack(Path root) {
        this.root = root;
        this.data = Path.of(env.getOrDefault("POSDUIF_DATA_DIR", root.resolve(".data").toString())).toAbsolutePath();
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("posduif.root", ".")).toAbsolutePath().normalize();
        LocalStack stack = new LocalStack(root);
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stopAll = () -> {
            stack.stop();
            stopped.countDown();
        };
        // Ctrl-C / SIGTERM: stop the children first (they drain in-flight requests) while the
        // databases still run; plain shutdown hooks would race the embedded servers' own hooks.
        for (String signal : new String[]{"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(signal), sig -> {
                    stopAll.run();
                    System.exit(0);
                });
            } catch (IllegalArgumentException unsupported) {
                // platform without this signal: the shutdown hook below still stops everything
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stopAll, "posduif-local-stack-stop"));
        try {
            stack.start();
        } catch (Exception e) {
            System.err.println("local stack failed to start: " + e.getMessage());
            System.exit(1);
        }
        // Stay up until Ctrl-C, or until a child dies (then say so and stop everything).
        while (true) {
            for (Process p : stack.children) {
                if (!p.isAlive()) {
                    System.err.println("a child process exited with status " + p.exitValue() + "; stopping the stack");
                    System.exit(1);
                }
            }
            if (stopped.await(1, TimeUnit.SECONDS)) {
                return;
            }
        }
    }

    private void start() throws IOException, InterruptedException {
        Files.createDirectories(data);
        Path functionsJar = jar("functions");
        Path relayJar = jar("sse-relay");

        String dbUrl = env.get("POSDUIF_DATABASE_URL");
        String redisUrl = env.get("POSDUIF_REDIS_URL");
        Map<String, String> childEnv = new LinkedHashMap<>();
        if (dbUrl == null || redisUrl == null) {
            int pgPort = Integer.parseInt(env.getOrDefault("POSDUIF_LOCAL_PG_PORT", "55432"));
            int redisPort = Integer.parseInt(env.getOrDefault("POSDUIF_LOCAL_REDIS_PORT", "56379"));
            say("starting embedded " + (dbUrl == null ? "PostgreSQL (:" + pgPort + ") " : "")
                    + (redisUrl == null ? "Redis (:" + redisPort + ") " : "") + "with data in " + data);
            embedded = EmbeddedStack.start(data, dbUrl == null ? pgPort : -1, redisUrl == null ? redisPort : -1);
        }
        if (dbUrl == null) {
            childEnv.put("POSDUIF_DATABASE_URL", embedded.jdbcUrl());
            childEnv.put("POSDUIF_DATABASE_USER", EmbeddedStack.USER);
            childEnv.put("POSDUIF_DATABASE_PASSWORD", EmbeddedStack.PASSWORD);
        }
        if (redisUrl == null) {
            childEnv.put("POSDUIF_REDIS_URL", embedded.redisUrl());
        }
        childEnv.putIfAbsent("POSDUIF_JWT_SECRET", env.getOrDefault("POSDUIF_JWT_SECRET", secret("jwt-secret", 32)));
        childEnv.putIfAbsent("POSDUIF_ADMIN_TOKEN", env.getOrDefault("POSDUIF_ADMIN_TOKEN", secret("admin-token", 24)));
        childEnv.putIfAbsent("POSDUIF_LOG_FORMAT", env.getOrDefault("POSDUIF_LOG_FORMAT", "TEXT"));
        String functionsPort = env.getOrDefault("POSDUIF_FUNCTIONS_PORT", "8080");
        String relayPort = env.getOrDefault("POSDUIF_RELAY_PORT", "8081");
        String host = "http://localhost";
        childEnv.put("POSDUIF_FUNCTIONS_PORT", functionsPort);
        childEnv.put("POSDUIF_RELAY_PORT", relayPort);
        childEnv.putIfAbsent("POSDUIF_RELAY_PUBLIC_URL", env.getOrDefault("POSDUIF_RELAY_PUBLIC_URL", host + ":" + relayPort));
        childEnv.putIfAbsent("POSDUIF_PUBLIC_URL", env.getOrDefault("POSDUIF_PUBLIC_URL", host + ":" + functionsPort));

        // Demo tenant, its schema and a web admin, through the same CLI an operator uses.
        say("ensuring tenant '" + DEMO_TENANT + "'");
        cli(functionsJar, childEnv, true, "tenant", "create", DEMO_TENANT);
        Path demoSchema = root.resolve("infra/tenants/demo.yaml");
        String help = cliOutput(functionsJar, childEnv, "help");
        if (Files.exists(demoSchema) && help.contains("schema apply")) {
            say("applying " + root.relativize(demoSchema));
            cli(functionsJar, childEnv, true, "schema", "apply", DEMO_TENANT, demoSchema.toString());
        }
        String password = secret("demo-admin-password", 9);
        boolean userCommand = help.contains("user create");
        if (userCommand) {
            Map<String, String> withPassword = new LinkedHashMap<>(childEnv);
            withPassword.put("POSDUIF_DEMO_PASSWORD", password);
            // fails harmlessly when the user exists from an earlier start
            cli(functionsJar, withPassword, false, "user", "create", DEMO_TENANT, DEMO_USER, "--password-env", "POSDUIF_DEMO_PASSWORD", "--admin");
        }

        say("starting functions on :" + functionsPort + " and sse-relay on :" + relayPort);
        Map<String, String> relayEnv = new LinkedHashMap<>(childEnv);
        relayEnv.put("MICRONAUT_SERVER_PORT", relayPort);
        // the console (served by functions) reads the relay cross-origin; the relay allows no origin by default
        relayEnv.putIfAbsent("POSDUIF_RELAY_ALLOWED_ORIGIN", env.getOrDefault("POSDUIF_RELAY_ALLOWED_ORIGIN",
                host + ":" + functionsPort + ",http://127.0.0.1:" + functionsPort));
        Map<String, String> functionsEnv = new LinkedHashMap<>(childEnv);
        functionsEnv.put("MICRONAUT_SERVER_PORT", functionsPort);
        children.add(launch(functionsJar, functionsEnv, "functions"));
        children.add(launch(relayJar, relayEnv, "sse-relay"));
        waitForHealth(host + ":" + functionsPort + "/health", "functions");
        waitForHealth(host + ":" + relayPort + "/health", "sse-relay");

        System.out.println();
        System.out.println("Posduif is running.");
        System.out.println("  web console + API  " + host + ":" + functionsPort + "/");
        System.out.println("  SSE relay          " + host + ":" + relayPort + "/");
        System.out.println("  health / metrics   " + host + ":" + functionsPort + "/health  " + host + ":" + functionsPort + "/prometheus");
        System.out.println("  PostgreSQL         " + childEnv.getOrDefault("POSDUIF_DATABASE_URL", dbUrl));
        System.out.println("  Redis              " + childEnv.getOrDefault("POSDUIF_REDIS_URL", redisUrl));
        System.out.println("  data directory     " + (embedded != null ? data : "(external servers)"));
        System.out.println("Demo credentials:");
        System.out.println("  tenant " + DEMO_TENANT + ", web user " + DEMO_USER + " / " + (userCommand ? password : "(no 'user create' command in this build)"));
        System.out.println("  operator token (admin API)  " + childEnv.get("POSDUIF_ADMIN_TOKEN"));
        System.out.println("Ctrl-C stops everything.");
        System.out.flush();
    }

    private Path jar(String module) {
        Path target = root.resolve(module).resolve("target");
        try (var files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-all.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + module + "/target/*-all.jar: build first (./mvnw -DskipTests install)"));
        } catch (IOException e) {
            throw new IllegalStateException("no " + target + ": build first (./mvnw -DskipTests install)", e);
        }
    }

    /** A random value kept in the data directory, so restarts keep tokens, secrets and passwords valid. */
    private String secret(String name, int bytes) {
        Path file = data.resolve(name);
        try {
            if (Files.exists(file)) {
                return Files.readString(file).strip();
            }
            byte[] b = new byte[bytes];
            new SecureRandom().nextBytes(b);
            String value = HexFormat.of().formatHex(b);
            Files.writeString(file, value + "\n");
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private void cli(Path jar, Map<String, String> childEnv, boolean mustSucceed, String... args) throws IOException, InterruptedException {
        Run r = run(jar, childEnv, args);
        String last = r.out().lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
        if (r.status() != 0 && mustSucceed) {
            System.err.print(r.out());
            System.err.print(r.err());
            throw new IllegalStateException("functions " + String.join(" ", args) + " failed (" + r.status() + ")");
        }
        String why = r.err().lines().filter(l -> l.startsWith("error:")).findFirst().orElse("exit " + r.status());
        say("  " + String.join(" ", args[0], args[1]) + ": " + (r.status() == 0 ? last : "skipped (" + why + ")"));
    }

    private String cliOutput(Path jar, Map<String, String> childEnv, String... args) throws IOException, InterruptedException {
        return run(jar, childEnv, args).out();
    }

    private record Run(int status, String out, String err) {
    }

    /** Runs a functions command: results on stdout, logs and diagnostics on stderr (kept apart). */
    private Run run(Path jar, Map<String, String> childEnv, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Path errFile = Files.createTempFile("posduif-cli", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectError(errFile.toFile());
            pb.environment().putAll(childEnv);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = p.waitFor();
            return new Run(status, out, Files.readString(errFile));
        } finally {
            Files.deleteIfExists(errFile);
        }
    }

    private Process launch(Path jar, Map<String, String> childEnv, String name) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(java(), "-jar", jar.toString()).directory(root.toFile()).inheritIO();
        pb.environment().putAll(childEnv);
        Process p = pb.start();
        say("  " + name + " pid " + p.pid());
        return p;
    }

    private void waitForHealth(String url, String name) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(5000);
                if (c.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException ignored) {
                // not up yet
            }
            for (Process p : children) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(name + " exited during start-up (status " + p.exitValue() + ")");
                }
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(name + " did not become healthy at " + url);
    }

    private synchronized void stop() {
        for (Process p : children.reversed()) {
            if (p.isAlive()) {
                p.destroy(); // SIGTERM: the apps shut down gracefully
            }
        }
        for (Process p : children) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        children.clear();
        if (embedded != null) {
            embedded.close();
            embedded = null;
            say("stopped PostgreSQL and Redis (data kept in " + data + ")");
        }
    }

    private static void say(String s) {
        System.out.println("[posduif] " + s);
        System.out.flush();
    }
}

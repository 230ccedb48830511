package io.posduif.e2e.support;

import io.posduif.devstack.EmbeddedStack;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The real SSE relay in its own JVM, as in production: a separate process on its own port (so a
 * browser talks to it cross-origin, and its threads and heap are its own in benchmarks) with a
 * classpath that holds the relay but not the functions module, whose beans would otherwise start
 * inside it. Its output goes to a log under {@code target/}, whose tail failures quote.
 */
public final class RelayProcess implements AutoCloseable {

    /**
     * What functions brings and the relay does not use. Their beans would change the relay:
     * Micronaut Data wraps the DataSource so plain JDBC needs @Connectable, CRaC wants pool
     * suspension, the Lambda runtime and Flyway add their own start-up work.
     */
    private static final List<String> FUNCTIONS_ONLY = List.of("functions-", "micronaut-data-", "micronaut-crac-", "crac-",
            "flyway-", "micronaut-flyway-", "micronaut-function-", "aws-lambda-java-", "micronaut-servlet-",
            "jakarta.persistence-api-", "jakarta.transaction-api-");

    public final int port;
    private final Process process;
    private final Path log;

    private RelayProcess(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** A relay on a free port; {@code properties} are extra {@code -Dkey=value} settings. */
    public static RelayProcess start(EmbeddedStack stack, String... properties) {
        return start(stack, EmbeddedStack.freePort(), properties);
    }

    /** A relay on the given port (one that functions was told before the relay existed). */
    public static RelayProcess start(EmbeddedStack stack, int port, String... properties) {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !isFunctionsModule(e))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx512m", "-XX:+UseSerialGC", "-cp", classpath,
                "-Dposduif.relay.enabled=true", "-Dmicronaut.server.port=" + port,
                "-Ddatasources.default.url=" + stack.jdbcUrl(), "-Ddatasources.default.username=" + EmbeddedStack.USER,
                "-Ddatasources.default.password=" + EmbeddedStack.PASSWORD, "-Dredis.uri=" + stack.redisUrl()));
        for (String p : properties) {
            cmd.add(p.startsWith("-D") ? p : "-D" + p);
        }
        cmd.add("io.posduif.relay.Application");
        try {
            Files.createDirectories(Path.of("target"));
            Path log = Files.createTempFile(Path.of("target"), "relay-" + port + "-", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            RelayProcess relay = new RelayProcess(port, p, log);
            relay.awaitHealthy(Duration.ofSeconds(120));
            return relay;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isFunctionsModule(String entry) {
        String e = entry.replace('\\', '/');
        if (e.endsWith("/functions/target/classes") || e.endsWith("/functions/target/test-classes")) {
            return true;
        }
        String name = e.substring(e.lastIndexOf('/') + 1);
        return name.endsWith(".jar") && FUNCTIONS_ONLY.stream().anyMatch(name::startsWith);
    }

    public String url() {
        return "http://localhost:" + port;
    }

    public long pid() {
        return process.pid();
    }

    private void awaitHealthy(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("relay exited with " + process.exitValue() + ":\n" + tail());
                }
                try {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/health"))
                            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException(e);
        }
        close();
        throw new IllegalStateException("relay not healthy within " + timeout + ":\n" + tail());
    }

    /** The last 40 lines of the relay's output, for failure messages. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no relay log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}

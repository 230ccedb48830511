package io.posduif.e2e.console;

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
 * The real SSE relay in its own JVM, as in production: a separate process on its own port (so
 * the browser talks to it cross-origin) with a classpath that holds the relay but not the
 * functions module, whose beans would otherwise start inside it.
 */
final class RelayProcess implements AutoCloseable {

    final int port;
    final String url;
    private final Process process;
    private final Path log;

    private RelayProcess(int port, Process process, Path log) {
        this.port = port;
        this.url = "http://localhost:" + port;
        this.process = process;
        this.log = log;
    }

    static RelayProcess start(EmbeddedStack stack, int port, String allowedOrigin) {
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !isFunctionsModule(e))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add("-Dmicronaut.server.port=" + port);
        cmd.add("-Ddatasources.default.url=" + stack.jdbcUrl());
        cmd.add("-Ddatasources.default.username=" + EmbeddedStack.USER);
        cmd.add("-Ddatasources.default.password=" + EmbeddedStack.PASSWORD);
        cmd.add("-Dredis.uri=" + stack.redisUrl());
        cmd.add("-Dposduif.relay.allowed-origin=" + allowedOrigin);
        // small intervals so presence and new tenants show within a test's patience
        cmd.add("-Dposduif.relay.tenant-refresh=1s");
        cmd.add("-Dposduif.relay.presence-refresh=2s");
        cmd.add("io.posduif.relay.Application");
        Path log;
        try {
            Files.createDirectories(Path.of("target"));
            log = Files.createTempFile(Path.of("target"), "relay-", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            RelayProcess relay = new RelayProcess(port, p, log);
            relay.awaitHealthy(Duration.ofSeconds(90));
            return relay;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What functions brings and the relay does not use. Their beans would change the relay:
     * Micronaut Data wraps the DataSource so plain JDBC needs @Connectable, CRaC wants pool
     * suspension, the Lambda runtime and Flyway add their own start-up work.
     */
    private static final List<String> FUNCTIONS_ONLY = List.of("functions-", "micronaut-data-", "micronaut-crac-", "crac-",
            "flyway-", "micronaut-flyway-", "micronaut-function-", "aws-lambda-java-", "micronaut-servlet-",
            "jakarta.persistence-api-", "jakarta.transaction-api-");

    private static boolean isFunctionsModule(String entry) {
        String e = entry.replace('\\', '/');
        if (e.endsWith("/functions/target/classes")) {
            return true;
        }
        String name = e.substring(e.lastIndexOf('/') + 1);
        return name.endsWith(".jar") && FUNCTIONS_ONLY.stream().anyMatch(name::startsWith);
    }

    private void awaitHealthy(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("relay exited with " + process.exitValue() + ":\n" + tail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/health"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("relay not healthy within " + timeout + ":\n" + tail());
    }

    String tail() {
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

package io.posduif.e2e.realtime;

import io.posduif.devstack.EmbeddedStack;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The SSE relay as its own process, the way it runs in production, for end-to-end tests and
 * benchmarks. Its classpath is this JVM's minus the functions module, so only the relay's beans
 * and configuration are in it.
 */
public final class RelayProcess implements AutoCloseable {

    public final int port;
    private final Process process;

    private RelayProcess(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    public String url() {
        return "http://localhost:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public static RelayProcess start(EmbeddedStack stack, String... extraProperties) throws IOException, InterruptedException {
        int port = EmbeddedStack.freePort();
        String classpath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.matches(".*[/\\\\]functions[/\\\\]target[/\\\\](test-)?classes[/\\\\]?") && !e.matches(".*functions-[^/\\\\]*\\.jar"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(List.of("-Xmx512m", "-XX:+UseSerialGC",
                "-Dposduif.relay.enabled=true", "-Dmicronaut.server.port=" + port, "-Dmicronaut.security.enabled=false",
                "-Dcrac.enabled=false", "-Ddatasources.default.allow-pool-suspension=true",
                "-Ddatasources.default.url=" + stack.jdbcUrl(), "-Ddatasources.default.username=" + EmbeddedStack.USER,
                "-Ddatasources.default.password=" + EmbeddedStack.PASSWORD, "-Dredis.uri=" + stack.redisUrl()));
        cmd.addAll(List.of(extraProperties));
        cmd.addAll(List.of("-cp", classpath, "io.posduif.relay.Application"));
        Path log = Path.of("target", "relay-" + port + ".log");
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RelayProcess relay = new RelayProcess(port, p);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("relay exited; see " + log.toAbsolutePath());
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(relay.url() + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return relay;
                }
            } catch (IOException ignored) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        relay.close();
        throw new IllegalStateException("relay did not become healthy; see " + log.toAbsolutePath());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

package io.posduif.e2e.bench;

import io.posduif.devstack.EmbeddedStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cold start of the {@code functions} fat jar, measured (not a test; {@code -Dposduif.soak=true}):
 * wall-clock time from launching {@code java -jar functions-*-all.jar} to the first answered
 * {@code GET /health} (200, which needs PostgreSQL and Redis), against the embedded stack, for
 * several JVM start-up options. Median of {@code posduif.coldstart.runs} (default 7) runs each.
 *
 * <pre>
 * ./mvnw -B -pl functions -am install -DskipTests
 * ./mvnw -B -pl e2e test -Dtest=FunctionsColdStartBenchmark -Dposduif.soak=true -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * Prints a Markdown table (also written to {@code e2e/target/coldstart.md}) for docs/benchmarks.md.
 * {@code -Dposduif.coldstart.java=/path/to/bin/java} measures another JDK.
 */
@EnabledIfSystemProperty(named = "posduif.soak", matches = "true")
class FunctionsColdStartBenchmark {

    record Config(String name, List<String> trainingFlags, List<String> flags) {
    }

    record Result(Config config, List<Long> millis, long rssKb) {
        long median() {
            List<Long> s = millis.stream().sorted().toList();
            return s.get(s.size() / 2);
        }
    }

    @Test
    void coldStartFigures() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("docs/protocol.md"))) {
            root = root.getParent();
        }
        Path jar;
        try (Stream<Path> s = Files.list(root.resolve("functions/target"))) {
            jar = s.filter(p -> p.getFileName().toString().matches("functions-.*-all\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("build the fat jar first: ./mvnw -B -pl functions -am install -DskipTests"));
        }
        String java = System.getProperty("posduif.coldstart.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        int runs = Integer.getInteger("posduif.coldstart.runs", 7);
        Path work = Files.createDirectories(root.resolve("e2e/target/coldstart"));
        Path jsa = work.resolve("functions.jsa");
        Path aot = work.resolve("functions.aot");
        Files.deleteIfExists(jsa);
        Files.deleteIfExists(aot);

        EmbeddedStack stack = EmbeddedStack.shared();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("POSDUIF_DATABASE_URL", stack.jdbcUrl());
        env.put("POSDUIF_DATABASE_USER", EmbeddedStack.USER);
        env.put("POSDUIF_DATABASE_PASSWORD", EmbeddedStack.PASSWORD);
        env.put("POSDUIF_REDIS_URL", stack.redisUrl());

        List<Config> configs = new ArrayList<>();
        configs.add(new Config("plain JVM", List.of(), List.of()));
        configs.add(new Config("-XX:TieredStopAtLevel=1", List.of(), List.of("-XX:TieredStopAtLevel=1")));
        configs.add(new Config("AppCDS (dynamic archive)", List.of("-XX:ArchiveClassesAtExit=" + jsa),
                List.of("-XX:SharedArchiveFile=" + jsa)));
        configs.add(new Config("AppCDS + TieredStopAtLevel=1", List.of(),
                List.of("-XX:SharedArchiveFile=" + jsa, "-XX:TieredStopAtLevel=1")));
        if (Runtime.version().feature() >= 25 && !System.getProperties().containsKey("posduif.coldstart.java")) {
            // JEP 483/514/515 (JDK 24+): classes loaded and linked, plus method profiles, cached ahead of time
            configs.add(new Config("AOT cache (JDK 25, JEP 514)", List.of("-XX:AOTCacheOutput=" + aot),
                    List.of("-XX:AOTCache=" + aot)));
        }

        // one unmeasured start: creates the control schema, so every measured start sees the same database
        launch(java, List.of(), jar, env, work, "warmup");
        List<Result> results = new ArrayList<>();
        for (Config c : configs) {
            if (!c.trainingFlags().isEmpty()) {
                launch(java, c.trainingFlags(), jar, env, work, "training " + c.name());
            }
            List<Long> ms = new ArrayList<>();
            long rss = 0;
            for (int i = 0; i < runs; i++) {
                long[] r = launch(java, c.flags(), jar, env, work, c.name() + " #" + (i + 1));
                ms.add(r[0]);
                rss = Math.max(rss, r[1]);
            }
            results.add(new Result(c, ms, rss));
        }

        StringBuilder md = new StringBuilder();
        md.append("JVM: ").append(java).append(" (").append(version(java)).append("), ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs; ").append(runs).append(" runs each\n\n");
        md.append("| JVM options | median ms | min ms | max ms | RSS at first answer (MB) |\n|---|---:|---:|---:|---:|\n");
        for (Result r : results) {
            md.append("| ").append(r.config().name()).append(" | ").append(r.median()).append(" | ")
                    .append(r.millis().stream().min(Long::compare).orElseThrow()).append(" | ")
                    .append(r.millis().stream().max(Long::compare).orElseThrow()).append(" | ")
                    .append(r.rssKb() / 1024).append(" |\n");
        }
        md.append("\nAll runs (ms): ");
        results.forEach(r -> md.append(r.config().name()).append(' ').append(r.millis()).append("; "));
        md.append('\n');
        System.out.println("\n[coldstart]\n" + md);
        Files.writeString(root.resolve("e2e/target/coldstart.md"), md.toString());
        assertTrue(results.stream().allMatch(r -> r.median() > 0));
    }

    /** Starts the jar, waits for the first 200 from GET /health, stops it; returns {ms, rss KB}. */
    private static long[] launch(String java, List<String> flags, Path jar, Map<String, String> env, Path work, String label)
            throws IOException, InterruptedException {
        int port = EmbeddedStack.freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(flags);
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.environment().put("POSDUIF_FUNCTIONS_PORT", String.valueOf(port));
        Path log = work.resolve("run.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
        long ms = -1;
        URI health = URI.create("http://127.0.0.1:" + port + "/health");
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (answered(health)) {
                ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                break;
            }
            Thread.sleep(5);
        }
        long rss = rssKb(p.pid());
        p.destroy(); // SIGTERM: a normal exit, which is when -XX:ArchiveClassesAtExit / AOTCacheOutput write
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        if (ms < 0) {
            throw new IllegalStateException(label + ": no answer; log:\n" + Files.readString(log));
        }
        System.out.println("[coldstart] " + label + ": " + ms + " ms, rss " + rss / 1024 + " MB");
        return new long[]{ms, rss};
    }

    private static boolean answered(URI uri) {
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout(200);
            c.setReadTimeout(10_000);
            int status = c.getResponseCode();
            c.getInputStream().readAllBytes();
            c.disconnect();
            return status == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // process gone
        }
        return 0;
    }

    private static String version(String java) {
        try {
            Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().skip(1).findFirst().orElse("?").strip();
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }
}

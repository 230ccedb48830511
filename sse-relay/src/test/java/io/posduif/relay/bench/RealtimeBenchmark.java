package io.posduif.relay.bench;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.relay.support.Streams;
import io.posduif.relay.support.TestTenants;
import io.posduif.relay.support.TestTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The realtime benchmark (not a test; run with {@code -Dposduif.soak=true}):
 * <ul>
 *   <li>commit → {@code sync_required} latency at one device among 1,000 connected, on both
 *       publishing paths (functions' XADD after commit; plain SQL through the capture trigger,
 *       NOTIFY and the leading relay);</li>
 *   <li>the most concurrent device streams one relay process holds, opened by separate
 *       load-generator processes, with heap and RSS per connection, next to a bare Netty SSE
 *       server measured the same way in the same run;</li>
 *   <li>how long one event takes to reach all of them;</li>
 *   <li>raw Redis XADD and XREAD rates.</li>
 * </ul>
 * Results go to {@code docs/benchmarks.md}, section "Realtime".
 */
@EnabledIfSystemProperty(named = "posduif.soak", matches = "true")
class RealtimeBenchmark {

    private static final int LATENCY_DEVICES = 1_000;
    private static final int ROUNDS = Integer.getInteger("posduif.bench.rounds", 300);
    private static final int CONNECTIONS = Integer.getInteger("posduif.bench.connections", 19_000);
    private static final int GENERATORS = 4;
    /**
     * {@code -Dposduif.bench.latencyOnly=true}: only the two latency runs, printed and not written
     * to docs/benchmarks.md; for checking a change on a busy machine, not an official figure.
     */
    private static final boolean LATENCY_ONLY = Boolean.getBoolean("posduif.bench.latencyOnly");
    private static final List<String> SERVER_JVM = List.of("-Xmx1g", "-XX:+UseSerialGC");

    private final Map<String, String> results = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();

    /** Load average before anything of the benchmark runs: the tail latencies depend on it. */
    private final String loadAtStart = loadAverage();

    @Test
    void realtime() throws Exception {
        EmbeddedStack stack = EmbeddedStack.shared();
        String tenant = TestTenants.create("bench");
        String s = "tenant_" + tenant;
        UUID user = TestTenants.user(tenant, "mobile");
        prepare(stack, s, user);
        try {
            if (!LATENCY_ONLY) {
                redisRaw(stack);
            }
            int relayPort = EmbeddedStack.freePort();
            Process relay = java("relay", SERVER_JVM, "io.posduif.relay.Application",
                    List.of("-Dposduif.relay.enabled=true", "-Dmicronaut.server.port=" + relayPort,
                            "-Ddatasources.default.url=" + stack.jdbcUrl(), "-Ddatasources.default.username=" + EmbeddedStack.USER,
                            "-Ddatasources.default.password=" + EmbeddedStack.PASSWORD, "-Dredis.uri=" + stack.redisUrl()));
            awaitHealth(relayPort);
            latency(stack, tenant, user, relayPort);
            if (LATENCY_ONLY) {
                String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + relayPort + "/prometheus")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                metrics.lines().filter(l -> l.startsWith("posduif_relay_outofband")).forEach(l -> results.put(l, ""));
                results.put("load average at start", loadAtStart);
                results.put("load average at end", loadAverage());
                results.forEach((k, v) -> System.out.println("LATENCY-ONLY | " + k + " | " + v));
                return;
            }
            Thread.sleep(3000);
            capacity("relay", relay, relayPort, tenant, user, stack);
            stop(relay);

            int barePort = EmbeddedStack.freePort();
            Process bare = java("bare-netty", SERVER_JVM, BareSseServerMain.class.getName(), List.of(), String.valueOf(barePort));
            Thread.sleep(2000);
            capacity("bare", bare, barePort, tenant, user, stack);
            stop(bare);
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
        write();
    }

    private void prepare(EmbeddedStack stack, String s, UUID user) throws Exception {
        try (Connection c = stack.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + s + ".notes (id int PRIMARY KEY, owner text, v int NOT NULL DEFAULT 0)");
            st.execute("CREATE FUNCTION " + s + ".notes_cap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "IF TG_OP = 'UPDATE' THEN PERFORM " + s + ".posduif_capture('notes', 'UPDATE', jsonb_build_object('id', NEW.id), to_jsonb(NEW), ARRAY['notes|owner=' || OLD.owner], ARRAY['notes|owner=' || NEW.owner]); "
                    + "ELSE PERFORM " + s + ".posduif_capture('notes', 'INSERT', jsonb_build_object('id', NEW.id), to_jsonb(NEW), NULL::text[], ARRAY['notes|owner=' || NEW.owner]); END IF; RETURN NEW; END $$");
            st.execute("CREATE TRIGGER posduif_capture AFTER INSERT OR UPDATE ON " + s + ".notes FOR EACH ROW EXECUTE FUNCTION " + s + ".notes_cap()");
            st.execute("INSERT INTO " + s + ".posduif_devices (device_id, user_id, secret_hash) SELECT 'bench-' || g, '" + user + "', 'x' FROM generate_series(0, " + (CONNECTIONS + 100) + ") g");
            st.execute("INSERT INTO " + s + ".posduif_device_scopes (device_id, buckets) SELECT 'bench-' || g, ARRAY['notes|owner=' || g] FROM generate_series(0, " + (CONNECTIONS + 100) + ") g");
            st.execute("INSERT INTO " + s + ".notes (id, owner) SELECT g, g::text FROM generate_series(0, " + LATENCY_DEVICES + ") g");
            st.execute("DELETE FROM " + s + ".posduif_realtime_pending");
        }
    }

    private void redisRaw(EmbeddedStack stack) throws Exception {
        try (Streams streams = new Streams(stack.redisUrl())) {
            var async = streams.connection().async();
            String key = "posduif:bench_raw:events";
            int n = 200_000;
            Map<String, String> body = Map.of("type", "sync_required", "buckets", "[\"notes|owner=1\"]", "data", "{\"type\":\"sync_required\",\"cursor\":\"123.45\"}");
            long t0 = System.nanoTime();
            List<RedisFuture<String>> batch = new ArrayList<>(1000);
            for (int i = 0; i < n; i++) {
                batch.add(async.xadd(key, body));
                if (batch.size() == 1000) {
                    for (RedisFuture<String> f : batch) {
                        f.get();
                    }
                    batch.clear();
                }
            }
            for (RedisFuture<String> f : batch) {
                f.get();
            }
            double addRate = n / ((System.nanoTime() - t0) / 1e9);
            long t1 = System.nanoTime();
            String from = "0-0";
            int read = 0;
            while (read < n) {
                List<StreamMessage<String, String>> m = streams.connection().sync().xread(XReadArgs.Builder.count(1000), XReadArgs.StreamOffset.from(key, from));
                if (m.isEmpty()) {
                    break;
                }
                read += m.size();
                from = m.get(m.size() - 1).getId();
            }
            double readRate = read / ((System.nanoTime() - t1) / 1e9);
            long t2 = System.nanoTime();
            int single = 5_000;
            for (int i = 0; i < single; i++) {
                streams.connection().sync().xadd(key, body);
            }
            double singleRate = single / ((System.nanoTime() - t2) / 1e9);
            streams.connection().sync().del(key);
            results.put("Redis XADD, pipelined (1,000 in flight)", String.format(Locale.ROOT, "%,.0f entries/s", addRate));
            results.put("Redis XADD, one at a time (round trip)", String.format(Locale.ROOT, "%,.0f entries/s", singleRate));
            results.put("Redis XREAD COUNT 1000", String.format(Locale.ROOT, "%,.0f entries/s", readRate));
        }
    }

    private void latency(EmbeddedStack stack, String tenant, UUID user, int relayPort) throws Exception {
        Map<Integer, CountDownLatch> waiting = new ConcurrentHashMap<>();
        Map<Integer, Long> arrivals = new ConcurrentHashMap<>();
        AtomicInteger syncEvents = new AtomicInteger();
        Map<Integer, String> lastId = new ConcurrentHashMap<>();
        Map<Integer, String> arrivedId = new ConcurrentHashMap<>();
        List<String> paths = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < LATENCY_DEVICES; i++) {
            paths.add("/sse/mobile/bench-" + i);
            tokens.add(TestTokens.device(tenant, user, "bench-" + i));
        }
        try (SseLoad load = new SseLoad((conn, name, line, nanos, micros) -> {
            if (name.equals("id")) {
                lastId.put(conn, line);
            }
            if (name.equals("sync_required")) {
                syncEvents.incrementAndGet();
                arrivedId.put(conn, lastId.getOrDefault(conn, "0-0"));
                arrivals.put(conn, nanos);
                CountDownLatch l = waiting.get(conn);
                if (l != null) {
                    l.countDown();
                }
            }
        }); Streams streams = new Streams(stack.redisUrl()); Connection c = stack.connect()) {
            load.open("127.0.0.1", relayPort, paths, tokens, 200);
            assertTrue(load.open.get() == LATENCY_DEVICES, "opened " + load.open.get());
            Thread.sleep(2000); // presence flushes settle
            String s = "tenant_" + tenant;
            long[] viaPublisher = new long[ROUNDS];
            long[] viaSql = new long[ROUNDS];
            // plain-SQL rounds split at Redis' XADD time (the entry id's ms, same machine clock):
            // commit → leader's XADD, and XADD → device
            long[] sqlToXadd = new long[ROUNDS];
            long[] xaddToDevice = new long[ROUNDS];
            java.util.Random random = new java.util.Random(42);
            PreparedStatement marked = c.prepareStatement("SELECT set_config('posduif.realtime_origin', 'functions', true)");
            PreparedStatement update = c.prepareStatement("UPDATE " + s + ".notes SET v = v + 1 WHERE id = ?");
            for (int round = 0; round < 2 * ROUNDS; round++) {
                boolean publisherPath = round % 2 == 0;
                int target = random.nextInt(LATENCY_DEVICES);
                CountDownLatch latch = new CountDownLatch(1);
                waiting.put(target, latch);
                c.setAutoCommit(false);
                if (publisherPath) {
                    marked.execute();
                }
                update.setInt(1, target);
                update.executeUpdate();
                c.commit();
                long t0 = System.nanoTime();
                long commitMicros = epochMicros();
                c.setAutoCommit(true);
                if (publisherPath) {
                    // exactly what RealtimePublisher does after the commit
                    streams.connection().async().xadd("posduif:" + tenant + ":events",
                            Map.of("type", "sync_required", "buckets", "[\"notes|owner=" + target + "\"]",
                                    "cursor", "bench", "data", "{\"type\":\"sync_required\",\"cursor\":\"bench\"}"));
                }
                if (!latch.await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("device " + target + " never heard of round " + round);
                }
                long dt = arrivals.get(target) - t0;
                waiting.remove(target);
                if (publisherPath) {
                    viaPublisher[round / 2] = dt;
                } else {
                    viaSql[round / 2] = dt;
                    long xaddMicros = Long.parseLong(arrivedId.get(target).split("-")[0]) * 1000;
                    sqlToXadd[round / 2] = (xaddMicros - commitMicros) * 1000;
                    xaddToDevice[round / 2] = dt - sqlToXadd[round / 2];
                }
                Thread.sleep(5);
            }
            results.put("Devices connected during the latency runs", String.format(Locale.ROOT, "%,d (one relay process)", LATENCY_DEVICES));
            results.put("Commit → sync_required, functions path (XADD after commit), p50 / p99", pct(viaPublisher));
            results.put("Commit → sync_required, plain-SQL path (trigger, NOTIFY, leader), p50 / p99", pct(viaSql));
            if (LATENCY_ONLY) {
                results.put("plain-SQL path, commit → leader's XADD (Redis entry id, ms resolution), p50 / p99", pct(sqlToXadd));
                results.put("plain-SQL path, XADD → device (ms resolution), p50 / p99", pct(xaddToDevice));
            }
            results.put("sync_required delivered in the latency runs (should equal rounds: only the target's scope)",
                    syncEvents.get() + " for " + (2 * ROUNDS) + " commits");
        }
    }

    private static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private static String pct(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double p50 = sorted[sorted.length / 2] / 1e6;
        double p99 = sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)] / 1e6;
        return String.format(Locale.ROOT, "%.2f ms / %.2f ms (%d rounds)", p50, p99, sorted.length);
    }

    private void capacity(String label, Process server, int port, String tenant, UUID user, EmbeddedStack stack) throws Exception {
        long[] before = memory(server.pid());
        int per = CONNECTIONS / GENERATORS;
        List<Process> gens = new ArrayList<>();
        List<BufferedReader> outs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int g = 0; g < GENERATORS; g++) {
            Process p = java("gen-" + label + "-" + g, List.of("-Xmx512m", "-XX:+UseSerialGC"), LoadGeneratorMain.class.getName(), List.of(),
                    "127.0.0.1", String.valueOf(port), tenant, user.toString(), "bench-", String.valueOf(g * per), String.valueOf(per));
            gens.add(p);
        }
        int open = 0;
        int failed = 0;
        for (Process p : gens) {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            outs.add(r);
            String line = readLine(r, "OPEN", 600);
            String[] parts = line.split(" ");
            open += Integer.parseInt(parts[1]);
            failed += Integer.parseInt(parts[2]);
        }
        double connectSeconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(5000);
        long[] after = memory(server.pid());
        String name = label.equals("relay") ? "Relay (Micronaut + posduif SSE)" : "Bare Netty SSE server";
        results.put(name + ": streams held at once", String.format(Locale.ROOT, "%,d of %,d attempted (%d failed), opened in %.1f s by %d load-generator processes",
                open, per * GENERATORS, failed, connectSeconds, GENERATORS));
        results.put(name + ": heap per stream (after full GC)", String.format(Locale.ROOT, "%.2f KB (%.1f MB → %.1f MB)",
                (after[0] - before[0]) / 1024.0 / Math.max(1, open), before[0] / 1048576.0, after[0] / 1048576.0));
        results.put(name + ": RSS per stream", String.format(Locale.ROOT, "%.2f KB (%.1f MB → %.1f MB)",
                (after[1] - before[1]) / 1024.0 / Math.max(1, open), before[1] / 1048576.0, after[1] / 1048576.0));
        if (label.equals("relay")) {
            List<Double> fanouts = new ArrayList<>();
            int reached = 0;
            try (Streams streams = new Streams(stack.redisUrl())) {
                for (int wave = 0; wave < 5; wave++) {
                    Instant now = Instant.now();
                    long pub = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
                    streams.add(tenant, "schema_changed", null, null, null, "{\"type\":\"schema_changed\",\"version\":" + wave + "}");
                    Thread.sleep(4000);
                    long latest = 0;
                    reached = 0;
                    for (int g = 0; g < gens.size(); g++) {
                        Writer w = new OutputStreamWriter(gens.get(g).getOutputStream(), StandardCharsets.UTF_8);
                        w.write("report\n");
                        w.flush();
                        String[] parts = readLine(outs.get(g), "FANOUT", 30).split(" ");
                        reached += Integer.parseInt(parts[1]);
                        latest = Math.max(latest, Long.parseLong(parts[2]));
                    }
                    fanouts.add((latest - pub) / 1000.0);
                }
            }
            fanouts.sort(Double::compare);
            results.put("One event to every stream of the relay (fan-out), median of 5", String.format(Locale.ROOT,
                    "%.1f ms to reach %,d streams (all waves: %s ms)", fanouts.get(2), reached, fanouts));
        }
        for (Process p : gens) {
            try {
                Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
                w.write("quit\n");
                w.flush();
            } catch (IOException ignored) {
                // gone
            }
            p.waitFor(20, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    private static String readLine(BufferedReader r, String prefix, int seconds) throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            String line = r.readLine();
            if (line == null) {
                throw new AssertionError("process ended before " + prefix);
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new AssertionError("no " + prefix + " within " + seconds + " s");
    }

    /** {heap used after a full GC, RSS} in bytes, measured from outside with jcmd/jstat and /proc. */
    private static long[] memory(long pid) throws Exception {
        String bin = Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent().toString();
        run(bin + "/jcmd", String.valueOf(pid), "GC.run");
        Thread.sleep(1000);
        String jstat = run(bin + "/jstat", "-gc", String.valueOf(pid));
        String[] lines = jstat.trim().split("\n");
        String[] head = lines[0].trim().split("\\s+");
        String[] vals = lines[1].trim().split("\\s+");
        double usedKb = 0;
        for (int i = 0; i < head.length; i++) {
            if (head[i].equals("S0U") || head[i].equals("S1U") || head[i].equals("EU") || head[i].equals("OU")) {
                usedKb += Double.parseDouble(vals[i]);
            }
        }
        long rssKb = 0;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                rssKb = Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        return new long[]{(long) (usedKb * 1024), rssKb * 1024};
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    private Process java(String name, List<String> jvm, String main, List<String> props, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(jvm);
        cmd.addAll(props);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path log = Path.of("target", "bench-" + name + ".log");
        Files.createDirectories(log.getParent());
        if (name.startsWith("gen-")) {
            pb.redirectError(log.toFile());
        } else {
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
        }
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    private static void awaitHealth(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException ignored) {
                // not up yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("relay did not become healthy");
    }

    private static String loadAverage() {
        try {
            String[] l = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return l[0] + " / " + l[1] + " / " + l[2] + " (shared with other builds; latencies and rates suffer from it)";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void write() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("<!-- realtime:begin (written by sse-relay RealtimeBenchmark; do not edit by hand) -->\n");
        b.append("## Realtime\n\n");
        b.append("Run: `./mvnw -B -pl sse-relay test -Dtest=RealtimeBenchmark -Dposduif.soak=true -Dsurefire.failIfNoSpecifiedTests=false` on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(Instant.now().toString(), 0, 16).append("Z. ")
                .append("Everything on one machine: PostgreSQL, Redis, the relay process (")
                .append(String.join(" ", SERVER_JVM)).append("), the load generators and the measuring JVM.\n\n");
        b.append("| measure | result |\n| --- | --- |\n");
        results.put("Machine load average (1/5/15 min) at the start of the run", loadAtStart);
        results.put("Machine load average (1/5/15 min) at the end of the run", loadAverage());
        results.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        b.append("\nHeap per stream is measured from outside (jcmd GC.run, then jstat) before and after the streams open; RSS from /proc. ")
                .append("The bare Netty server (HttpServerCodec + one shared handler, one heartbeat timer) is the floor for an idle SSE stream on this JVM.\n");
        b.append("<!-- realtime:end -->\n");
        Path doc = Path.of("..", "docs", "benchmarks.md");
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n\n";
        int s = text.indexOf("<!-- realtime:begin");
        int e = text.indexOf("<!-- realtime:end -->");
        if (s >= 0 && e > s) {
            text = text.substring(0, s) + b + text.substring(e + "<!-- realtime:end -->\n".length());
        } else {
            text = text + (text.endsWith("\n") ? "\n" : "\n\n") + b;
        }
        Files.writeString(doc, text);
        System.out.println(b);
    }
}

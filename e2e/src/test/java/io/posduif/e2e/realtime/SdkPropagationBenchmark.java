package io.posduif.e2e.realtime;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.posduif.client.DeviceInfo;
import io.posduif.client.PosduifDevice;
import io.posduif.client.SyncListener;
import io.posduif.client.SyncReport;
import io.posduif.client.sim.WebSession;
import io.posduif.devstack.EmbeddedStack;
import io.posduif.e2e.support.E2eServer;
import io.posduif.e2e.support.RelayProcess;
import io.posduif.functions.auth.TokenIssuer;
import io.posduif.functions.auth.WebUsers;
import io.posduif.functions.realtime.DeviceScopes;
import io.posduif.functions.schema.SchemaApplier;
import io.posduif.functions.schema.SchemaParser;
import io.posduif.functions.tenant.TenantId;
import io.posduif.functions.tenant.Tenants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Propagation through the whole system with the device SDK (not a test; {@code -Dposduif.soak=true}):
 * device A (SDK) writes a row and syncs; device B (SDK, same user, started: SSE + pull on
 * {@code sync_required}) gets the notification and then has the row, while 1,000 device streams
 * are open on the relay (998 of other users, whose scope the change does not touch). The relay
 * runs as its own process; functions in this JVM. Writes the "Realtime: end to end with the SDK"
 * part of docs/benchmarks.md.
 */
@EnabledIfSystemProperty(named = "posduif.soak", matches = "true")
class SdkPropagationBenchmark {

    private static final int OTHERS = 998;
    private static final int ROUNDS = Integer.getInteger("posduif.bench.rounds", 200);

    private static final String SCHEMA = """
            tables:
              notes:
                sync: mobile-synced
                conflict: lww
                filter: owner_id = :user_id
                columns:
                  id:       { type: uuid, primary_key: true }
                  owner_id: { type: uuid, nullable: false }
                  title:    { type: text, nullable: false, default: "" }
            """;

    @Test
    void pushToNotificationAndToRowWithTheSdk() throws Exception {
        EmbeddedStack stack = EmbeddedStack.shared();
        try (RelayProcess relay = RelayProcess.start(stack)) {
            Map<String, Object> props = E2eServer.functionsProperties(stack);
            props.put("posduif.relay.public-url", relay.url());
            try (EmbeddedServer functions = ApplicationContext.run(EmbeddedServer.class, props)) {
                run(stack, functions, relay);
            }
        }
    }

    private void run(EmbeddedStack stack, EmbeddedServer functions, RelayProcess relay) throws Exception {
        ApplicationContext ctx = functions.getApplicationContext();
        String url = "http://localhost:" + functions.getPort();
        TenantId tenant = new TenantId("sdkbench_" + Long.toString(System.nanoTime() % 1_000_000_000L, 36));
        ctx.getBean(Tenants.class).create(tenant);
        ctx.getBean(SchemaApplier.class).apply(tenant, SchemaParser.parse("bench.yaml", SCHEMA), false, "bench");
        String password = "pw-" + UUID.randomUUID();
        ctx.getBean(WebUsers.class).create(tenant, "bench_admin", password, true);
        WebSession web = WebSession.login(url, "bench_admin", password, tenant.value());

        PosduifDevice a = PosduifDevice.inMemory(PosduifDevice.Options.defaults().withBaseUrl(url));
        a.enroll(web.createEnrollmentPayload(null), "alice", DeviceInfo.jvm());
        PosduifDevice b = PosduifDevice.inMemory(PosduifDevice.Options.defaults().withBaseUrl(url));
        b.enroll(web.createEnrollmentPayload("alice"), "alice", DeviceInfo.jvm());
        UUID alice = UUID.fromString(a.userId());
        assertEquals(a.userId(), b.userId(), "A and B must be two devices of one user (a token bound to the username)");
        a.sync();
        b.sync();

        // 998 devices of other users, each subscribed to its own user's notes
        TokenIssuer tokens = ctx.getBean(TokenIssuer.class);
        DeviceScopes scopes = ctx.getBean(DeviceScopes.class);
        UUID other = UUID.randomUUID();
        try (Connection c = stack.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO " + tenant.schema()
                + ".posduif_users (id, username, user_type) VALUES (?, 'others', 'mobile')")) {
            ps.setObject(1, other);
            ps.executeUpdate();
            c.createStatement().execute("INSERT INTO " + tenant.schema() + ".posduif_devices (device_id, user_id, secret_hash) "
                    + "SELECT 'other-' || g, '" + other + "', 'x' FROM generate_series(1, " + OTHERS + ") g");
        }
        HttpClient sse = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicInteger othersNotified = new AtomicInteger();
        List<CompletableFuture<?>> streams = new ArrayList<>();
        for (int i = 1; i <= OTHERS; i++) {
            scopes.record(tenant, "other-" + i, List.of("notes|owner_id=" + other));
            streams.add(open(sse, relay.url() + "/sse/mobile/other-" + i, tokens.deviceToken(tenant, other, "other-" + i).token(),
                    line -> {
                        if (line.equals("event: sync_required")) {
                            othersNotified.incrementAndGet();
                        }
                    }));
        }
        // B's own notification time, on a second stream of B's device (the SDK does not expose it)
        Map<String, Long> notifiedAt = new ConcurrentHashMap<>();
        AtomicInteger bNotifications = new AtomicInteger();
        streams.add(open(sse, relay.url() + "/sse/mobile/" + b.deviceId(), tokens.deviceToken(tenant, alice, b.deviceId()).token(), line -> {
            if (line.equals("event: sync_required")) {
                notifiedAt.put("n" + bNotifications.incrementAndGet(), System.nanoTime());
            }
        }));
        Map<String, Long> hasRowAt = new ConcurrentHashMap<>();
        Map<String, Boolean> expected = new ConcurrentHashMap<>();
        b.addListener(new SyncListener() {
            @Override
            public void onSynced(SyncReport report) {
                long now = System.nanoTime();
                for (String id : expected.keySet()) {
                    if (!hasRowAt.containsKey(id) && !b.query("SELECT 1 FROM notes WHERE id = ?", id).isEmpty()) {
                        hasRowAt.put(id, now);
                    }
                }
            }
        });
        java.util.concurrent.atomic.AtomicLong committedAt = new java.util.concurrent.atomic.AtomicLong();
        b.start();
        awaitConnections(relay, OTHERS + 2);
        Thread.sleep(2000); // B's first sync done

        long[] notify = new long[ROUNDS];
        long[] row = new long[ROUNDS];
        long[] push = new long[ROUNDS];
        long[] notifyFromCommit = new long[ROUNDS];
        long[] rowFromCommit = new long[ROUNDS];
        int fromCommit = 0;
        for (int i = 0; i < ROUNDS; i++) {
            String id = UUID.randomUUID().toString();
            expected.put(id, Boolean.TRUE);
            int before = bNotifications.get();
            committedAt.set(0);
            a.insert("notes", Map.of("id", id, "owner_id", alice.toString(), "title", "n" + i));
            long t0 = System.nanoTime();
            a.sync();
            long t1 = System.nanoTime();
            long deadline = System.currentTimeMillis() + 30_000;
            while ((!hasRowAt.containsKey(id) || bNotifications.get() == before) && System.currentTimeMillis() < deadline) {
                Thread.sleep(1);
            }
            assertNotNull(hasRowAt.get(id), "B never got row " + i + " (B notified " + (bNotifications.get() - before) + "x, B rows " + b.rows("notes").size() + ", A pending " + a.pendingCount() + ")");
            push[i] = t1 - t0;
            notify[i] = notifiedAt.get("n" + (before + 1)) - t0;
            row[i] = hasRowAt.get(id) - t0;
            if (committedAt.get() != 0) {
                notifyFromCommit[fromCommit] = notify[i] + t0 - committedAt.get();
                rowFromCommit[fromCommit++] = row[i] + t0 - committedAt.get();
            }
            Thread.sleep(20);
        }
        b.stop();
        streams.forEach(f -> f.cancel(true));
        assertEquals(0, othersNotified.get(), "devices of other users were never told to pull");

        StringBuilder md = new StringBuilder();
        md.append("<!-- realtime-sdk:begin (written by e2e SdkPropagationBenchmark; do not edit by hand) -->\n");
        md.append("### Realtime: end to end with the SDK\n\n");
        md.append("Run: `./mvnw -B -pl e2e -am test -Dtest=SdkPropagationBenchmark -Dposduif.soak=true -Dsurefire.failIfNoSpecifiedTests=false`, ")
                .append(Instant.now().toString(), 0, 16).append("Z, load average ").append(load()).append(". ")
                .append("Functions in the test JVM, the relay as its own process, ").append(OTHERS + 2)
                .append(" device streams open (A and B of one user, ").append(OTHERS).append(" of another). Times start when A calls `sync()` (its push request), ")
                .append("so they include A's HTTP push; ").append(ROUNDS).append(" rounds.\n\n");
        md.append("| measure | p50 | p99 |\n| --- | --- | --- |\n");
        md.append(row("A's push request (sync() → push answered and A's pull done)", push));
        md.append(row("A's push → B receives `sync_required`", notify));
        md.append(row("A's push → B (SDK) has the row in SQLite", row));
        if (fromCommit > 0) {
            md.append(row("A's push committed (functions' after-commit event) → B receives `sync_required`", Arrays.copyOf(notifyFromCommit, fromCommit)));
            md.append(row("A's push committed → B (SDK) has the row in SQLite", Arrays.copyOf(rowFromCommit, fromCommit)));
        }
        md.append("\nDevices of the other user notified: ").append(othersNotified.get()).append(" (scope routing).\n");
        md.append("<!-- realtime-sdk:end -->\n");
        Path doc = Path.of("..", "docs", "benchmarks.md");
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n\n";
        int s = text.indexOf("<!-- realtime-sdk:begin");
        int e = text.indexOf("<!-- realtime-sdk:end -->");
        if (s >= 0 && e > s) {
            text = text.substring(0, s) + md + text.substring(e + "<!-- realtime-sdk:end -->\n".length());
        } else {
            int end = text.indexOf("<!-- realtime:end -->");
            int at = end >= 0 ? end + "<!-- realtime:end -->\n".length() : text.length();
            text = text.substring(0, at) + "\n" + md + text.substring(at);
        }
        Files.writeString(doc, text);
        System.out.println(md);
    }

    /** Waits until the relay reports this many open device streams (its Prometheus gauge). */
    private static void awaitConnections(RelayProcess relay, int n) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 180_000;
        java.util.regex.Pattern gauge = java.util.regex.Pattern.compile("posduif_relay_connections\\{[^}]*kind=\"device\"[^}]*\\} ([0-9.]+)");
        double open = 0;
        while (System.currentTimeMillis() < deadline) {
            String body = http.send(HttpRequest.newBuilder(URI.create(relay.url() + "/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Matcher m = gauge.matcher(body);
            open = m.find() ? Double.parseDouble(m.group(1)) : 0;
            if (open >= n) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("only " + open + " of " + n + " device streams opened");
    }

    private static String row(String name, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "| %s | %.2f ms | %.2f ms |\n", name, s[s.length / 2] / 1e6,
                s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.99) - 1)] / 1e6);
    }

    private static String load() {
        try {
            String[] l = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return l[0] + "/" + l[1] + "/" + l[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** An SSE stream read line by line without a thread of its own. */
    private static CompletableFuture<?> open(HttpClient http, String url, String token, java.util.function.Consumer<String> lines) {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(30)).GET().build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.fromLineSubscriber(new Flow.Subscriber<String>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(String item) {
                lines.accept(item);
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
            }
        }));
    }
}

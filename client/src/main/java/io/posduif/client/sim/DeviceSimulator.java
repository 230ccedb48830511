package io.posduif.client.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.posduif.client.Backoff;
import io.posduif.client.DeviceInfo;
import io.posduif.client.LocalWriteException;
import io.posduif.client.OpResult;
import io.posduif.client.PosduifDevice;
import io.posduif.client.QrPayload;
import io.posduif.client.SyncListener;
import io.posduif.client.SyncReport;
import io.posduif.client.TableDef;
import io.posduif.client.transport.HttpTransport;
import io.posduif.client.transport.UnreliableTransport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs N simulated devices against a running stack and prints what they did as JSON.
 *
 * <p>Each device is a real {@link PosduifDevice} (SQLite file, outbox, sync engine) enrolled with
 * a token a web user creates. Devices make random inserts/updates/deletes on the device-writable
 * synced tables and sync every few writes; with {@code --offline-probability} and
 * {@code --lose-ack-probability} they go through an {@link UnreliableTransport}.
 *
 * <pre>
 * java -jar client.jar --url http://localhost:8080 --username admin --password secret \
 *      --mobile-users alice,bob --devices 20 --duration-seconds 60
 * </pre>
 */
public final class DeviceSimulator {

    /** Everything a run needs; {@link #parse(String[])} reads it from the command line. */
    public record Config(String url, String username, String password, String tenant, List<String> mobileUsers,
                         int devices, Duration duration, long writesPerDevice, int syncEvery, List<String> tables,
                         double offlineProbability, double loseAckProbability, long seed, Path dbDir,
                         Set<String> ownerColumns, int pullLimit) {

        public static Config parse(String[] args) {
            Map<String, String> a = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String k = args[i];
                if (!k.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument " + k);
                }
                if (k.equals("--help")) {
                    a.put("help", "true");
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(k + " needs a value");
                }
                a.put(k.substring(2), args[++i]);
            }
            if (a.containsKey("help") || !a.containsKey("url")) {
                throw new IllegalArgumentException(USAGE);
            }
            String username = a.getOrDefault("username", "admin");
            return new Config(a.get("url"), username, a.getOrDefault("password", "admin"), a.get("tenant"),
                    List.of(a.getOrDefault("mobile-users", "sim").split(",")),
                    Integer.parseInt(a.getOrDefault("devices", "5")),
                    Duration.ofSeconds(Long.parseLong(a.getOrDefault("duration-seconds", "30"))),
                    Long.parseLong(a.getOrDefault("writes-per-device", "0")),
                    Integer.parseInt(a.getOrDefault("sync-every", "10")),
                    a.containsKey("tables") ? List.of(a.get("tables").split(",")) : List.of(),
                    Double.parseDouble(a.getOrDefault("offline-probability", "0")),
                    Double.parseDouble(a.getOrDefault("lose-ack-probability", "0")),
                    Long.parseLong(a.getOrDefault("seed", Long.toString(System.nanoTime()))),
                    a.containsKey("db-dir") ? Path.of(a.get("db-dir")) : null,
                    a.containsKey("owner-columns") ? new LinkedHashSet<>(Arrays.asList(a.get("owner-columns").split(",")))
                            : RowGenerator.DEFAULT_OWNER_COLUMNS,
                    Integer.parseInt(a.getOrDefault("pull-limit", "500")));
        }
    }

    static final String USAGE = """
            usage: DeviceSimulator --url <functions base url> [options]
              --username/--password   web user that creates enrollment tokens (default admin/admin)
              --tenant                sent as tenant_id with the login, if the server needs it
              --mobile-users a,b      usernames devices enroll as, round-robin (default sim)
              --devices N             simulated devices (default 5)
              --duration-seconds S    run time (default 30), unless --writes-per-device is set
              --writes-per-device W   stop each device after W writes
              --sync-every K          sync after every K writes (default 10)
              --tables t1,t2          tables to write (default: all device-writable mobile-synced)
              --offline-probability p chance per sync that the device is offline for it
              --lose-ack-probability p chance that a push's answer is lost after the server applied it
              --seed n                random seed (printed in the report)
              --db-dir dir            keep device databases there (default: a temp dir)
              --owner-columns a,b     columns filled with the device's user id
              --pull-limit n          pull page size (default 500)""";

    private final Config config;
    private final Histogram enrollMs = new Histogram();
    private final Histogram writeMicros = new Histogram();
    private final Histogram syncMs = new Histogram();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong syncFailures = new AtomicLong();
    private final AtomicLong pushed = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong pulled = new AtomicLong();
    private final AtomicLong lostAcks = new AtomicLong();
    private final Map<String, AtomicLong> rejectionCodes = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();

    public DeviceSimulator(Config config) {
        this.config = config;
    }

    public static void main(String[] args) throws Exception {
        Config config;
        try {
            config = Config.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ObjectNode report = new DeviceSimulator(config).run();
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
    }

    /** Enrolls the devices, runs them, closes them and returns the report. */
    public ObjectNode run() throws Exception {
        Path dir = config.dbDir() != null ? Files.createDirectories(config.dbDir()) : Files.createTempDirectory("posduif-sim");
        WebSession web = WebSession.login(config.url(), config.username(), config.password(), config.tenant());
        List<SimDevice> devices = new ArrayList<>();
        long started = System.nanoTime();
        try {
            for (int i = 0; i < config.devices(); i++) {
                devices.add(enroll(web, dir, i));
            }
            long runStart = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, devices.size()));
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (SimDevice d : devices) {
                    futures.add(pool.submit(() -> {
                        drive(d);
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            // Quiet period: everyone online, everything delivered.
            for (SimDevice d : devices) {
                d.transport.setOffline(false);
                d.transport.setLoseAckProbability(0);
                timedSync(d);
            }
            long runMs = (System.nanoTime() - runStart) / 1_000_000;
            return report(devices, runMs, (System.nanoTime() - started) / 1_000_000);
        } finally {
            for (SimDevice d : devices) {
                d.device.close();
            }
        }
    }

    private record SimDevice(int index, PosduifDevice device, UnreliableTransport transport, Random random,
                             RowGenerator rows, List<Map<String, Object>> ownKeys) {
    }

    private SimDevice enroll(WebSession web, Path dir, int i) throws Exception {
        Random random = new Random(config.seed() * 31 + i);
        UnreliableTransport transport = new UnreliableTransport(new HttpTransport(), random.nextLong());
        PosduifDevice.Options options = PosduifDevice.Options.defaults()
                .withTransport(transport)
                .withBaseUrl(config.url())
                .withBackoff(new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2), 3))
                .withPullLimit(config.pullLimit());
        PosduifDevice device = PosduifDevice.open(dir.resolve("device-" + i + ".db"), options);
        device.addListener(new SyncListener() {
            @Override
            public void onOpResult(OpResult result) {
                if ("rejected".equals(result.status())) {
                    rejectionCodes.computeIfAbsent(String.valueOf(result.code()), k -> new AtomicLong()).incrementAndGet();
                }
            }
        });
        long t0 = System.nanoTime();
        String user = config.mobileUsers().get(i % config.mobileUsers().size());
        QrPayload qr = web.createEnrollmentPayload(user);
        device.enroll(qr, user, DeviceInfo.jvm());
        enrollMs.record((System.nanoTime() - t0) / 1_000_000);
        RowGenerator gen = new RowGenerator(random, device.userId(), config.ownerColumns());
        SimDevice d = new SimDevice(i, device, transport, random, gen, new ArrayList<>());
        timedSync(d);
        return d;
    }

    private List<TableDef> writableTables(PosduifDevice device) {
        List<TableDef> out = new ArrayList<>();
        for (TableDef t : device.instructions().tables().values()) {
            boolean chosen = config.tables().isEmpty() ? t.synced() && t.deviceWritable() : config.tables().contains(t.name());
            if (chosen) {
                out.add(t);
            }
        }
        return out;
    }

    private void drive(SimDevice d) {
        long deadline = System.nanoTime() + config.duration().toNanos();
        long n = 0;
        while (config.writesPerDevice() > 0 ? n < config.writesPerDevice() : System.nanoTime() < deadline) {
            List<TableDef> tables = writableTables(d.device());
            if (tables.isEmpty()) {
                errors.computeIfAbsent("no_writable_tables", k -> new AtomicLong()).incrementAndGet();
                return;
            }
            TableDef t = tables.get(d.random().nextInt(tables.size()));
            write(d, t);
            n++;
            if (n % config.syncEvery() == 0) {
                d.transport().setOffline(d.random().nextDouble() < config.offlineProbability());
                d.transport().setLoseAckProbability(config.loseAckProbability());
                timedSync(d);
            }
        }
    }

    private void write(SimDevice d, TableDef t) {
        int dice = d.random().nextInt(10);
        List<Map<String, Object>> own = d.ownKeys();
        long t0 = System.nanoTime();
        try {
            if (dice < 6 || own.isEmpty()) {
                Map<String, Object> row = d.rows().newRow(t);
                d.device().insert(t.name(), row);
                Map<String, Object> key = new LinkedHashMap<>();
                t.primaryKey().forEach(p -> key.put(p, row.get(p)));
                key.put("__table", t.name());
                own.add(key);
            } else {
                Map<String, Object> key = own.get(d.random().nextInt(own.size()));
                TableDef kt = d.device().instructions().table((String) key.get("__table"));
                Map<String, Object> pk = new LinkedHashMap<>(key);
                pk.remove("__table");
                if (dice < 9) {
                    Map<String, Object> change = d.rows().change(kt, pk);
                    if (change.size() > pk.size()) {
                        d.device().update(kt.name(), change);
                    }
                } else {
                    d.device().delete(kt.name(), pk);
                    own.remove(key);
                }
            }
            writes.incrementAndGet();
            writeMicros.record((System.nanoTime() - t0) / 1_000);
        } catch (LocalWriteException e) {
            // e.g. NOT_FOUND: a pull removed the row (deleted elsewhere or out of scope)
            writeErrors.incrementAndGet();
            errors.computeIfAbsent("local_" + e.code(), k -> new AtomicLong()).incrementAndGet();
        }
    }

    private void timedSync(SimDevice d) {
        long t0 = System.nanoTime();
        long lostBefore = d.transport().lostAcks();
        try {
            SyncReport r = d.device().sync();
            syncs.incrementAndGet();
            syncMs.record((System.nanoTime() - t0) / 1_000_000);
            pushed.addAndGet(r.pushed());
            applied.addAndGet(r.applied());
            duplicates.addAndGet(r.duplicates());
            rejected.addAndGet(r.rejected());
            conflicts.addAndGet(r.conflicts());
            pulled.addAndGet(r.pulledChanges());
        } catch (Exception e) {
            syncFailures.incrementAndGet();
            String key = e instanceof io.posduif.client.ApiException api ? "sync_" + api.code()
                    : "sync_" + e.getClass().getSimpleName();
            errors.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        } finally {
            lostAcks.addAndGet(d.transport().lostAcks() - lostBefore);
        }
    }

    private ObjectNode report(List<SimDevice> devices, long runMs, long totalMs) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode r = m.createObjectNode();
        r.put("seed", config.seed());
        r.put("devices", devices.size());
        r.put("run_ms", runMs);
        r.put("total_ms", totalMs);
        r.put("writes", writes.get());
        r.put("writes_per_second", runMs == 0 ? 0 : writes.get() * 1000.0 / runMs);
        r.put("write_errors", writeErrors.get());
        r.put("syncs", syncs.get());
        r.put("sync_failures", syncFailures.get());
        r.put("pushed_ops", pushed.get());
        r.put("applied", applied.get());
        r.put("duplicates", duplicates.get());
        r.put("rejected", rejected.get());
        r.put("conflicts", conflicts.get());
        r.put("pulled_changes", pulled.get());
        r.put("lost_acks", lostAcks.get());
        long pending = devices.stream().mapToLong(d -> d.device().pendingCount()).sum();
        r.put("pending_after_quiet_sync", pending);
        r.set("enroll_latency_ms", enrollMs.summary());
        r.set("write_latency_us", writeMicros.summary());
        r.set("sync_latency_ms", syncMs.summary());
        ObjectNode codes = r.putObject("rejection_codes");
        rejectionCodes.forEach((k, v) -> codes.put(k, v.get()));
        ObjectNode errs = r.putObject("errors");
        errors.forEach((k, v) -> errs.put(k, v.get()));
        return r;
    }

    /** For callers (benchmarks) that want the report as a tree without printing. */
    public static JsonNode runAndReport(Config config) throws Exception {
        return new DeviceSimulator(config).run();
    }
}

package io.posduif.functions.bench;

import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.posduif.functions.db.Db;
import io.posduif.functions.db.Sql;
import io.posduif.functions.schema.ConflictPolicy;
import io.posduif.functions.schema.ColumnDef;
import io.posduif.functions.schema.ColumnType;
import io.posduif.functions.schema.SyncMode;
import io.posduif.functions.schema.TableDef;
import io.posduif.functions.support.Fixtures;
import io.posduif.functions.support.StackTest;
import io.posduif.functions.sync.OwnerFilter;
import io.posduif.functions.sync.TestSchemas;
import io.posduif.functions.tenant.TenantId;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sync throughput beside raw PostgreSQL, on this machine. Not part of the test suite (the class
 * name does not match surefire's patterns); run it with
 * {@code ./mvnw -B -pl functions test -Dtest=SyncBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * It rewrites the "Sync" section of {@code docs/benchmarks.md}.
 *
 * <ul>
 *   <li>push: 16 devices, each pushing batches of 100 new rows over HTTP at once (ops
 *       {@code insert}, as the SDK sends rows it made); beside it the same rows upserted plus
 *       change-log and scope rows written over JDBC, one statement per table per batch, by 16
 *       threads (no triggers, no HTTP, no ledger, no conflict checks);</li>
 *   <li>pull: one device bootstrapping 100,000 rows in pages of 1,000 over HTTP; beside it the
 *       same pages (same scope index range scan and join) read over JDBC.</li>
 * </ul>
 * The devices are phones in production, not this JVM, so the pushing devices are simulated as
 * cheaply as can be, to leave the two cores to the server and PostgreSQL: a thread per device
 * with a minimal blocking HTTP/1.1 client ({@link KeepAliveHttp}, one keep-alive socket each),
 * every request (headers and JSON body) encoded before the clock starts, the answer checked for
 * status 200 and no rejected op without decoding it. The pulling device uses the same client and
 * reads each page with a streaming parse (the changes counted, each one's text skipped over, as
 * raw reads each row's columns as text); both sides of pull bootstrap {@code bench.pull-warmup}
 * (5) times first, on statistics analysed after the seed. Before the rounds the server is warmed
 * up: small then full push batches, then 10-batch rounds until the JIT has compiled for under 5%
 * of a round's time twice in a row (at most {@code bench.warmup-jit-rounds}, 60, and no sooner
 * than the first run of the scheduled retention purge, a minute after start-up), so that the
 * server is measured warm, as one that has been up a while. The measured rounds run on a fresh
 * tenant (push and raw tables start empty and grow alike; the warm-up tenant's tables are emptied),
 * after {@code bench.measured-prep} (60) batches per device on each side, and the simulated devices
 * send op ids as the SDK makes them ({@link TimeOrderedOpIds}).
 * <p>
 * Each push and raw round also prints the CPU time per 1,000 rows of this JVM (server and
 * simulated devices; of it, the JIT compiler threads') and of PostgreSQL, and the WAL PostgreSQL
 * wrote per 1,000 rows. With {@code -Dposduif.pg.statements=true} the embedded PostgreSQL loads
 * pg_stat_statements and the run prints the statements by total time and the tables by rows read
 * sequentially after the push rounds: where a push's database time goes. With
 * {@code -Dbench.profile=/tmp/prof- -Dmaven.test.additionalClasspath=<async-profiler jar>} the push
 * and pull rounds are profiled (CPU, collapsed stacks, one file per round); with
 * {@code -Dbench.explain-pull=true} the plan of raw's first page is printed; the profiler jar is
 * {@code tools.profiler:async-profiler:4.0:jar:linux-x64} from Maven Central.
 */
@MicronautTest
class SyncBenchmark extends StackTest {

    static final int DEVICES = Integer.getInteger("bench.devices", 16);
    static final int BATCH = 100;
    static final int BATCHES_PER_DEVICE = Integer.getInteger("bench.batches", 100);
    static final int PULL_ROWS = Integer.getInteger("bench.pull-rows", 100_000);
    static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    /** Bootstraps (each side) before the pull rounds. */
    // 15, not 5: after 5 bootstraps C2 still took about a sixth of the pull rounds' CPU
    static final int PULL_WARMUP = Integer.getInteger("bench.pull-warmup", 15);
    /** Batches per device each side writes on the measured tenant before the rounds. */
    static final int MEASURED_PREP = Integer.getInteger("bench.measured-prep", 60);
    static final int WARMUP_REQUESTS = Integer.getInteger("bench.warmup", 8_000);
    static final int WARMUP_FULL_BATCHES = Integer.getInteger("bench.warmup-full", 60);
    /**
     * At most this many more warm-up rounds of 10 batches per device, until the JIT settles: on two
     * cores it took 20 to 45 (one C2 thread, starved by the load, still reaching methods run once
     * per request, some of them again after deoptimisation); a round takes 1-2 s.
     */
    static final int WARMUP_JIT_ROUNDS = Integer.getInteger("bench.warmup-jit-rounds", 60);
    /** and not shorter than this: Retention's scheduled purge first runs a minute after start-up */
    static final int WARMUP_MIN_SECONDS = Integer.getInteger("bench.warmup-min-seconds", 65);

    @Inject
    Fixtures fixtures;
    @Inject
    TestSchemas schemas;
    @Inject
    Db db;
    @Inject
    JsonMapper json;
    @Inject
    EmbeddedServer server;

    /** {JVM, PostgreSQL, of which background, JVM's of which JIT compiler threads} CPU ms per 1,000 rows of the last push or raw round. */
    double[] lastCpu;
    /** WAL kB (all of PostgreSQL's) per 1,000 rows of the last push or raw round. */
    double lastWal;
    /** JIT-settling warm-up rounds run, whether the JIT settled in them, and its share of the last one */
    int warmupRounds;
    boolean jitSettled;
    double lastJitShare;


    static TableDef items(String name) {
        return new TableDef(name, SyncMode.MOBILE_SYNCED, ConflictPolicy.LWW, new OwnerFilter(name, "owner"),
                List.of(new ColumnDef("id", ColumnType.UUID, false, null, true, false),
                        new ColumnDef("owner", ColumnType.UUID, false, null, false, false),
                        new ColumnDef("title", ColumnType.TEXT, true, null, false, false),
                        new ColumnDef("qty", ColumnType.INTEGER, true, null, false, false),
                        new ColumnDef("price", ColumnType.REAL, true, null, false, false),
                        new ColumnDef("done", ColumnType.BOOLEAN, true, null, false, false)),
                List.of("id"), List.of(), true);
    }

    @Test
    void measure() throws Exception {
        long began = System.nanoTime(); // the server has started by now
        TenantId tenant = fixtures.newTenant("bench");
        schemas.apply(tenant, List.of(items("items")));
        createRawTables(tenant);
        List<Fixtures.Device> devices = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            devices.add(fixtures.device(tenant, fixtures.mobileUser(tenant).id()));
        }
        // warm-up, so that both sides are measured as a server that has been up a while: C2 compiles
        // a method after ~5,000 calls (tier 4 thresholds), and the measured rounds make only ~1,000
        // requests; without this the request path runs profiled C1 code throughout. Then pools and plans.
        pushRound(devices, WARMUP_REQUESTS / DEVICES, 5);
        // then full batches until the compiler has caught up with their shape (100-op loops deoptimise
        // code profiled on 5-op ones)
        pushRound(devices, WARMUP_FULL_BATCHES);
        // the raw side's warm-up comes before the JIT's settling rounds, so that its compiles (and the
        // recompiles of code the two share: pool, driver) are not left for the first measured push round
        rawRound(tenant, devices, WARMUP_REQUESTS / DEVICES / 10);
        // and on until the JIT has settled: on two cores a C2 compile queue still draining during the
        // rounds took up to a third of the JVM's CPU, which a server that has been up a while never pays.
        // Settled: compiling for under 5% of a round's wall time (summed over the compiler threads), twice
        // in a row, and not before the server's first scheduled retention purge (Retention, a minute after
        // start-up) has run: its new code paths deoptimise hot request code (reactor, micronaut, pgjdbc),
        // which a server that has been up a while has long been through. Bounded, so that a JIT that never
        // settles costs a bounded time.
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        int quiet = 0;
        for (warmupRounds = 1; warmupRounds <= WARMUP_JIT_ROUNDS; warmupRounds++) {
            long compiled = jit.getTotalCompilationTime();
            long start = System.nanoTime();
            pushRound(devices, 10);
            lastJitShare = (jit.getTotalCompilationTime() - compiled) / ((System.nanoTime() - start) / 1e6);
            System.out.printf(Locale.ROOT, "warm-up %d: JIT compiled for %.0f%% of a 10-batch round (its compiler threads' CPU: %.0f%% of the JVM's)%n",
                    warmupRounds, lastJitShare * 100, lastCpu[3] / lastCpu[0] * 100);
            quiet = lastJitShare < 0.05 ? quiet + 1 : 0;
            if (quiet >= 2 && System.nanoTime() - began > WARMUP_MIN_SECONDS * 1_000_000_000L) {
                jitSettled = true;
                break;
            }
        }
        if (!jitSettled) {
            warmupRounds = WARMUP_JIT_ROUNDS;
            System.out.printf(Locale.ROOT, "warm-up: the JIT did not settle within %d rounds (last %.0f%%)%n", WARMUP_JIT_ROUNDS, lastJitShare * 100);
        }
        System.out.printf(Locale.ROOT, "warm-up: %d JIT rounds, %.0f s in all%n", warmupRounds, (System.nanoTime() - began) / 1e9);
        // measured on a fresh tenant: the warm-up wrote hundreds of thousands of rows to the push side's
        // tables and far fewer to raw's; both sides start the rounds with empty tables and grow alike
        closeConnections();
        TenantId warm = tenant;
        tenant = fixtures.newTenant("benchm");
        schemas.apply(tenant, List.of(items("items")));
        createRawTables(tenant);
        devices = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            devices.add(fixtures.device(tenant, fixtures.mobileUser(tenant).id()));
        }
        dropTables(warm);
        // its statements (new schema, new statement texts) prepared on every pooled connection, and the
        // JIT caught up with the new tenant (round 0 used to compile for a fifth of its CPU), on both
        // sides alike: the same rows written on each, so that the tables still grow alike
        pushRound(devices, MEASURED_PREP);
        rawRound(tenant, devices, MEASURED_PREP);

        if (Boolean.getBoolean("posduif.pg.statements")) {
            // the statement figures are of the measured rounds only
            db.withConnection(c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
                    st.execute("SELECT pg_stat_statements_reset()");
                }
                return null;
            });
        }
        double[] push = new double[ROUNDS];
        double[] raw = new double[ROUNDS];
        double[][] pushCpu = new double[ROUNDS][];
        double[][] rawCpu = new double[ROUNDS][];
        double[] pushWal = new double[ROUNDS];
        double[] rawWal = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            profile("start,event=cpu,interval=1ms,threads");
            push[r] = pushRound(devices, BATCHES_PER_DEVICE);
            profile("stop,collapsed,file=" + System.getProperty("bench.profile", "") + r);
            pushCpu[r] = lastCpu;
            pushWal[r] = lastWal;
            raw[r] = rawRound(tenant, devices, BATCHES_PER_DEVICE);
            rawCpu[r] = lastCpu;
            rawWal[r] = lastWal;
            System.out.printf(Locale.ROOT, "round %d: push %,.0f rows/s (per 1000 rows: CPU ms JVM %.1f of which JIT %.1f, PostgreSQL %.1f of which background %.1f; "
                    + "WAL %.0f kB); raw %,.0f rows/s (JVM %.1f, PostgreSQL %.1f of which background %.1f; WAL %.0f kB)%n",
                    r, push[r], pushCpu[r][0], pushCpu[r][3], pushCpu[r][1], pushCpu[r][2], pushWal[r],
                    raw[r], rawCpu[r][0], rawCpu[r][1], rawCpu[r][2], rawWal[r]);
        }
        closeConnections();

        TenantId measured = tenant;
        if (Integer.getInteger("bench.pause-seconds", 0) > 0) {
            // diagnostics: leave the database as the push rounds left it, for psql (EXPLAIN, auto_explain)
            db.withConnection(c -> {
                System.out.println("PAUSE " + c.getMetaData().getURL() + " schema " + measured.schema());
                return null;
            });
            Thread.sleep(Integer.getInteger("bench.pause-seconds") * 1000L);
        }
        if (Boolean.getBoolean("posduif.pg.statements")) {
            db.withConnection(c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
                    try (ResultSet rs = st.executeQuery("SELECT relname, seq_scan, seq_tup_read, idx_scan, n_live_tup FROM pg_stat_user_tables "
                            + "WHERE schemaname = '" + measured.schema() + "' ORDER BY seq_tup_read DESC")) {
                        while (rs.next()) {
                            System.out.printf("PGTAB %s seq_scan=%d seq_tup_read=%d idx_scan=%d live=%d%n", rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                        }
                    }
                    try (ResultSet rs = st.executeQuery("SELECT round(total_exec_time::numeric, 0), calls, rows, round(total_plan_time::numeric,0), "
                            + "left(regexp_replace(query, '\\s+', ' ', 'g'), 300) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 40")) {
                        while (rs.next()) {
                            System.out.printf("PGSS %8s ms %7d calls %8d rows plan %s | %s%n", rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5));
                        }
                    }
                }
                return null;
            });
        }
        Fixtures.User reader = fixtures.mobileUser(tenant);
        Fixtures.Device readerDevice = fixtures.device(tenant, reader.id());
        seed(tenant, reader.id(), PULL_ROWS);
        // warm, as push is: the pull path has not run yet in this JVM (a single bootstrap left the JIT
        // compiling through the measured rounds, each faster than the one before)
        for (int i = 0; i < PULL_WARMUP; i++) {
            pullBootstrap(readerDevice);
            rawPages(tenant, reader.id());
        }
        if (Boolean.getBoolean("bench.explain-pull")) {
            explainRawPage(tenant, reader.id());
        }
        double[] pull = new double[ROUNDS];
        double[] rawPull = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            profile("start,event=cpu,interval=1ms,threads");
            pull[r] = pullBootstrap(readerDevice);
            profile("stop,collapsed,file=" + System.getProperty("bench.profile", "") + "pull" + r);
            rawPull[r] = rawPages(tenant, reader.id());
        }
        cpuLine = String.format(Locale.ROOT, "Per 1,000 pushed rows (median of rounds): push JVM %.0f ms + PostgreSQL %.0f ms CPU, "
                + "%.0f kB WAL; raw JVM %.0f ms + PostgreSQL %.0f ms CPU, %.0f kB WAL. The JVM runs the server and the %d simulated "
                + "devices; its JIT compiler threads took %.0f%% of its CPU during the push rounds, PostgreSQL's background processes "
                + "(autovacuum, WAL writer, …) %.0f ms of the push's. WAL is all the cluster wrote during a round "
                + "(pg_current_wal_insert_lsn before and after), full-page images included.",
                median(column(pushCpu, 0)), median(column(pushCpu, 1)), median(pushWal),
                median(column(rawCpu, 0)), median(column(rawCpu, 1)), median(rawWal), DEVICES,
                median(column(pushCpu, 3)) / median(column(pushCpu, 0)) * 100, median(column(pushCpu, 2)));
        write(median(push), median(raw), median(pull), median(rawPull), push, raw, pull, rawPull);
    }

    // ---- push ----

    double pushRound(List<Fixtures.Device> devices, int batches) throws Exception {
        return pushRound(devices, batches, BATCH);
    }

    double pushRound(List<Fixtures.Device> devices, int batches, int batchSize) throws Exception {
        // bodies are built before the clock starts: a device's JSON encoding is the phone's work, not the server's
        Map<Fixtures.Device, List<byte[]>> bodies = new LinkedHashMap<>();
        for (Fixtures.Device d : devices) {
            List<byte[]> mine = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                List<Map<String, Object>> ops = new ArrayList<>();
                String ts = Instant.now().toString();
                for (int i = 0; i < batchSize; i++) {
                    UUID id = UUID.randomUUID();
                    Map<String, Object> data = new LinkedHashMap<>();
                    data.put("id", id.toString());
                    data.put("owner", d.userId().toString());
                    data.put("title", "item " + i);
                    data.put("qty", i);
                    data.put("price", i * 1.5);
                    data.put("done", false);
                    Map<String, Object> op = new LinkedHashMap<>();
                    op.put("op_id", opIds.computeIfAbsent(d, x -> new TimeOrderedOpIds()).next());
                    op.put("table", "items");
                    op.put("op", "insert");
                    op.put("pk", Map.of("id", id.toString()));
                    op.put("data", data);
                    op.put("client_ts", ts);
                    ops.add(op);
                }
                mine.add(json.writeValueAsBytes(Map.of("ops", ops)));
            }
            bodies.put(d, mine);
        }
        // and so are the requests, whole (request line, headers, body), and the devices' connections
        Map<Fixtures.Device, List<byte[]>> requests = new LinkedHashMap<>();
        for (Fixtures.Device d : devices) {
            List<byte[]> mine = new ArrayList<>();
            for (byte[] body : bodies.get(d)) {
                mine.add(KeepAliveHttp.post("localhost", server.getPort(), "/api/sync/push", d.token(), body));
            }
            requests.put(d, mine);
            connections.computeIfAbsent(d, x -> new KeepAliveHttp("localhost", server.getPort())).connect();
        }
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(DEVICES);
        pool.prestartAllCoreThreads();
        List<Future<Integer>> fs = new ArrayList<>();
        awaitJitQuiet();
        long wal0 = walPosition();
        Cpu cpu0 = Cpu.now();
        long t0 = System.nanoTime();
        for (Fixtures.Device d : devices) {
            KeepAliveHttp conn = connections.get(d);
            List<byte[]> mine = requests.get(d);
            fs.add(pool.submit(() -> {
                int rows = 0;
                for (byte[] request : mine) {
                    int status = conn.exchange(request);
                    if (status != 200 || conn.bodyContains(REJECTED)) {
                        throw new IllegalStateException("push failed: " + status + " " + conn.bodyText(300));
                    }
                    rows += batchSize;
                }
                return rows;
            }));
        }
        int total = 0;
        for (Future<Integer> f : fs) {
            total += f.get();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        lastCpu = Cpu.now().perThousandRows(cpu0, total);
        lastWal = (walPosition() - wal0) / 1024.0 / total * 1000;
        pool.shutdown();
        return total / secs;
    }

    static final byte[] REJECTED = "\"rejected\"".getBytes(StandardCharsets.US_ASCII);

    /** Each simulated device's op ids, made as the SDK makes them (time-ordered, UUIDv7). */
    final Map<Fixtures.Device, TimeOrderedOpIds> opIds = new ConcurrentHashMap<>();

    /** The simulated devices' keep-alive connections, one per device, reused across rounds. */
    final Map<Fixtures.Device, KeepAliveHttp> connections = new ConcurrentHashMap<>();

    @AfterEach
    void closeConnections() {
        connections.values().forEach(KeepAliveHttp::close);
        connections.clear();
    }

    /**
     * Where PostgreSQL's WAL is, in bytes: read outside the clock, one query, for the WAL written per
     * round. The insert position, not pg_current_wal_lsn (the write position): the embedded server
     * runs with synchronous_commit=off, so the write position trails the commits by up to the WAL
     * writer's delay.
     */
    long walPosition() {
        return db.withConnection(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Empties the warm-up tenant's tables, so that its pages leave PostgreSQL's buffers to the measured ones. */
    void dropTables(TenantId t) {
        db.withConnection(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("TRUNCATE " + String.join(", ", List.of("items", "raw_items", "raw_changes", "raw_scope", "posduif_changes",
                        "posduif_change_scope", "posduif_op_ledger", "posduif_op_batches").stream().map(x -> Sql.q(t.schema(), x)).toList()));
            }
            return null;
        });
    }

    void createRawTables(TenantId t) {
        String s = t.schema();
        db.withConnection(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + Sql.q(s, "raw_items") + " (id uuid PRIMARY KEY, owner uuid NOT NULL, title text, qty bigint, "
                        + "price double precision, done boolean)");
                st.execute("CREATE TABLE " + Sql.q(s, "raw_changes") + " (LIKE " + Sql.q(s, "posduif_changes") + " INCLUDING ALL)");
                st.execute("CREATE TABLE " + Sql.q(s, "raw_scope") + " (LIKE " + Sql.q(s, "posduif_change_scope") + " INCLUDING ALL)");
                st.execute("CREATE SEQUENCE " + Sql.q(s, "raw_seq"));
            }
            return null;
        });
    }

    /**
     * Waits (at most 10 s) until the JIT has compiled nothing for 300 ms. The requests of a round are
     * encoded before its clock starts, 16,000 op maps of JSON for a push round: the compiles that
     * encoding sets off ran on into the round, and the first measured round's JIT took a fifth of
     * the JVM's CPU there, though the server's own code was long warm.
     */
    static void awaitJitQuiet() throws InterruptedException {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        long deadline = System.nanoTime() + 10_000_000_000L;
        long last = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < 300_000_000L && System.nanoTime() < deadline) {
            Thread.sleep(50);
            long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
    }

    /** The same rows as a push, written the cheapest way PostgreSQL offers over JDBC. */
    double rawRound(TenantId t, List<Fixtures.Device> devices, int batches) throws Exception {
        String s = t.schema();
        String upsert = "INSERT INTO " + Sql.q(s, "raw_items") + " (id, owner, title, qty, price, done) "
                + "SELECT id, owner, title, qty, price, done FROM jsonb_populate_recordset(NULL::" + Sql.q(s, "raw_items") + ", ?::jsonb) ORDER BY id "
                + "ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, title = EXCLUDED.title, qty = EXCLUDED.qty, "
                + "price = EXCLUDED.price, done = EXCLUDED.done";
        String changes = "WITH r AS (SELECT x, nextval('" + s + ".raw_seq') AS seq FROM jsonb_array_elements(?::jsonb) AS a(x)), "
                + "c AS (INSERT INTO " + Sql.q(s, "raw_changes") + " (seq, tbl, pk, deleted, data, buckets, removed) "
                + "SELECT seq, 'items', jsonb_build_object('id', x->'id'), false, x::text, ARRAY['items|user_id=' || (x->>'owner')], '{}' FROM r "
                + "RETURNING txid, seq, buckets) "
                + "INSERT INTO " + Sql.q(s, "raw_scope") + " (bucket, txid, seq) SELECT buckets[1], txid, seq FROM c";
        Map<Fixtures.Device, List<String>> texts = new LinkedHashMap<>();
        for (Fixtures.Device d : devices) {
            List<String> mine = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                List<Map<String, Object>> batch = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", UUID.randomUUID().toString());
                    row.put("owner", d.userId().toString());
                    row.put("title", "item " + i);
                    row.put("qty", i);
                    row.put("price", i * 1.5);
                    row.put("done", false);
                    batch.add(row);
                }
                mine.add(json.writeValueAsString(batch));
            }
            texts.put(d, mine);
        }
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Executors.newFixedThreadPool(DEVICES);
        pool.prestartAllCoreThreads();
        List<Future<Integer>> fs = new ArrayList<>();
        awaitJitQuiet();
        long wal0 = walPosition();
        Cpu cpu0 = Cpu.now();
        long t0 = System.nanoTime();
        for (Fixtures.Device d : devices) {
            fs.add(pool.submit(() -> {
                int rows = 0;
                for (String text : texts.get(d)) {
                    db.inTransaction(c -> {
                        try (PreparedStatement a = c.prepareStatement(upsert); PreparedStatement ch = c.prepareStatement(changes)) {
                            a.setString(1, text);
                            a.executeUpdate();
                            ch.setString(1, text);
                            ch.executeUpdate();
                        }
                        return null;
                    });
                    rows += BATCH;
                }
                return rows;
            }));
        }
        int total = 0;
        for (Future<Integer> f : fs) {
            total += f.get();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        lastCpu = Cpu.now().perThousandRows(cpu0, total);
        lastWal = (walPosition() - wal0) / 1024.0 / total * 1000;
        pool.shutdown();
        return total / secs;
    }

    // ---- pull ----

    void seed(TenantId t, UUID owner, int rows) {
        db.withConnection(c -> {
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO " + Sql.q(t.schema(), "items") + " (id, owner, title, qty, price, done) "
                        + "SELECT gen_random_uuid(), '" + owner + "', 'row ' || g, g, g * 1.5, g % 2 = 0 FROM generate_series(1, " + rows + ") g");
                // both sides read with statistics that know the seeded rows, as a server that has been up a
                // while does: planned on statistics from before the seed (a few hundred rows in the bucket),
                // raw's page was a bitmap scan of the whole bucket and a sort, 29 ms a page, until autovacuum
                // happened to analyse the table, so raw's rate swung between 60,000 and 330,000 rows/s from
                // run to run
                st.execute("ANALYZE " + Sql.q(t.schema(), "posduif_change_scope") + ", " + Sql.q(t.schema(), "posduif_changes"));
            }
            return null;
        });
    }

    double pullBootstrap(Fixtures.Device d) throws IOException {
        // the device's side as cheap as the pushing devices': one keep-alive socket, requests encoded by hand
        KeepAliveHttp conn = connections.computeIfAbsent(d, x -> new KeepAliveHttp("localhost", server.getPort()));
        String cursor = "0";
        int rows = 0;
        long t0 = System.nanoTime();
        while (true) {
            int status = conn.exchange(KeepAliveHttp.get("localhost", server.getPort(), "/api/sync/pull?limit=1000&cursor=" + cursor, d.token()));
            if (status != 200) {
                throw new IllegalStateException("pull failed: " + status + " " + conn.bodyText(300));
            }
            // the device reads the page as raw reads its rows: each change's text, not applied (a
            // streaming parse that counts the changes and skips over each one, as raw calls getString)
            Page page = Page.of(conn.body());
            rows += page.changes();
            cursor = page.cursor();
            if (!page.hasMore()) {
                break;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(PULL_ROWS, rows, "a bootstrap delivers every row once");
        return rows / secs;
    }

    /** What the pulling device takes from a page: the number of changes, the cursor and has_more. */
    record Page(int changes, String cursor, boolean hasMore) {
        static final com.fasterxml.jackson.core.JsonFactory FACTORY = new com.fasterxml.jackson.core.JsonFactory();

        static Page of(byte[] body) throws IOException {
            int changes = 0;
            String cursor = null;
            boolean hasMore = false;
            try (com.fasterxml.jackson.core.JsonParser p = FACTORY.createParser(body)) {
                p.nextToken(); // the page object
                while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    com.fasterxml.jackson.core.JsonToken value = p.nextToken();
                    switch (field) {
                        case "changes" -> {
                            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                                p.skipChildren();
                                changes++;
                            }
                        }
                        case "cursor" -> cursor = p.getText();
                        case "has_more" -> hasMore = value == com.fasterxml.jackson.core.JsonToken.VALUE_TRUE;
                        default -> p.skipChildren();
                    }
                }
            }
            return new Page(changes, cursor, hasMore);
        }
    }

    /** Raw's page: a bucket's scope rows after a position, 1,000 of them, joined with their entries. */
    static String rawPageSql(String s) {
        return "SELECT c.txid::text, c.seq, c.tbl, c.pk::text, c.data FROM (SELECT cs.txid, cs.seq FROM "
                + Sql.q(s, "posduif_change_scope") + " cs WHERE cs.bucket = ? AND (cs.txid, cs.seq) > (?::xid8, ?) "
                + "ORDER BY cs.txid, cs.seq LIMIT 1000) p JOIN " + Sql.q(s, "posduif_changes") + " c ON c.txid = p.txid AND c.seq = p.seq "
                + "ORDER BY c.txid, c.seq";
    }

    /** Diagnostics: the plan and timing of raw's first page, as its statement runs (prepared, on a pooled connection). */
    void explainRawPage(TenantId t, UUID owner) {
        String s = t.schema();
        db.withConnection(c -> {
            for (int i = 0; i < 7; i++) {
                try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + rawPageSql(s))) {
                    ps.setString(1, "items|user_id=" + owner);
                    ps.setString(2, "0");
                    ps.setLong(3, 0);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            System.out.println("EXPLAIN" + i + " " + rs.getString(1));
                        }
                    }
                }
            }
            return null;
        });
    }

    /** The same pages: scope index range scan merged with the log, 1,000 rows at a time, over JDBC. */
    double rawPages(TenantId t, UUID owner) {
        String sql = rawPageSql(t.schema());
        long t0 = System.nanoTime();
        int rows = db.withConnection(c -> {
            String txid = "0";
            long seq = 0;
            int n = 0;
            // a statement per page, like pull: a reused one turns into a generic plan after five runs
            while (true) {
                int page = 0;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, "items|user_id=" + owner);
                    ps.setString(2, txid);
                    ps.setLong(3, seq);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            txid = rs.getString(1);
                            seq = rs.getLong(2);
                            rs.getString(3);
                            rs.getString(4);
                            rs.getString(5);
                            page++;
                        }
                    }
                }
                n += page;
                if (page < 1000) {
                    return n;
                }
            }
        });
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(PULL_ROWS, rows);
        return rows / secs;
    }

    /**
     * CPU time of this JVM and of every PostgreSQL process, from /proc: on two cores the push
     * rate is bound by CPU, so CPU per row says where a push's cost is, HTTP and JSON (JVM) or SQL.
     */
    record Cpu(long jvmNanos, long pgNanos, long pgBackgroundNanos, long jitNanos) {
        static Cpu now() {
            long jvm = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            long jit = compilerCpuNanos();
            long ticks = 0;
            long background = 0;
            try (var dirs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) dirs::iterator) {
                    if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        if (!Files.readString(p.resolve("comm")).startsWith("postgres")) {
                            continue;
                        }
                        String stat = Files.readString(p.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        ticks += t;
                        // client backends are titled "postgres: user db host(port) …"; the rest is the
                        // server's own work (autovacuum, WAL writer, checkpointer, …)
                        String title = new String(Files.readAllBytes(p.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8);
                        if (!title.matches("(?s)postgres: \\S+ \\S+ \\S+\\(\\d+\\).*")) {
                            background += t;
                        }
                    } catch (IOException | RuntimeException gone) {
                        // the process ended between listing and reading
                    }
                }
            } catch (IOException e) {
                return new Cpu(jvm, -1, -1, jit);
            }
            return new Cpu(jvm, ticks * 10_000_000L, background * 10_000_000L, jit); // USER_HZ is 100 on Linux
        }

        /**
         * {JVM, PostgreSQL, of which background processes, JVM's of which JIT compiler threads} CPU
         * milliseconds per 1,000 rows since {@code before}.
         */
        double[] perThousandRows(Cpu before, int rows) {
            return new double[]{(jvmNanos - before.jvmNanos) / 1e6 / rows * 1000, (pgNanos - before.pgNanos) / 1e6 / rows * 1000,
                    (pgBackgroundNanos - before.pgBackgroundNanos) / 1e6 / rows * 1000, (jitNanos - before.jitNanos) / 1e6 / rows * 1000};
        }

        /**
         * CPU time of this JVM's JIT compiler threads (C1, C2) so far, from /proc/self/task: a compiler
         * thread that has ended (they come and go with the queue) takes its time with it, so this can
         * undercount; the elapsed time the CompilationMXBean reports overcounts on a loaded machine.
         */
        static long compilerCpuNanos() {
            long ticks = 0;
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : (Iterable<Path>) tasks::iterator) {
                    try {
                        if (!Files.readString(t.resolve("comm")).contains("CompilerThre")) {
                            continue;
                        }
                        String stat = Files.readString(t.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    } catch (IOException | RuntimeException gone) {
                        // the thread ended between listing and reading
                    }
                }
            } catch (IOException e) {
                return 0;
            }
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        }
    }

    static void profile(String command) {
        if (System.getProperty("bench.profile") == null) {
            return;
        }
        try {
            Class<?> ap = Class.forName("one.profiler.AsyncProfiler");
            Object p = ap.getMethod("getInstance").invoke(null);
            ap.getMethod("execute", String.class).invoke(p, command);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- report ----

    String cpuLine = "";

    static double[] column(double[][] rows, int i) {
        double[] out = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
            out[r] = rows[r][i];
        }
        return out;
    }

    static double median(double[] xs) {
        double[] c = xs.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    void write(double push, double raw, double pull, double rawPull, double[] pushes, double[] raws, double[] pulls, double[] rawPulls)
            throws IOException {
        String section = String.format(Locale.ROOT, """
                ## Sync

                Measured by `SyncBenchmark` (`./mvnw -B -pl functions test -Dtest=SyncBenchmark -Dsurefire.failIfNoSpecifiedTests=false`),
                embedded PostgreSQL and the functions server in one JVM on this 2-core machine, %s. Median of %d rounds,
                push and raw alternating, each round %,d batches of 100 per device (%,d rows).

                | measure | sync | raw PostgreSQL over JDBC | ratio of the medians | median of the rounds' ratios |
                | --- | ---: | ---: | ---: | ---: |
                | push rows/s (16 devices, batches of 100 new rows, op `insert`, HTTP) | %,.0f | %,.0f (same rows upserted + change-log and scope rows, one statement per table per batch) | %.2f | %.2f |
                | pull rows/s (one device bootstrapping %,d rows, pages of 1,000, HTTP, no gzip) | %,.0f | %,.0f (same pages: scope range scan + log join) | %.2f | %.2f |

                Rounds — push: %s; raw push: %s; pull: %s; raw pull: %s. Each round's sync ÷ raw (the two
                ran back to back on tables of the same size, which both sides grow alike round by round):
                push %s; pull %s.

                %s

                The pushing devices are simulated in the same JVM by a minimal blocking HTTP/1.1 client,
                a thread and one keep-alive socket per device, with every request (headers and JSON
                body) encoded before the clock starts, so that the load generator takes as little of
                the two cores as possible (its CPU still counts in the JVM's share above); the pulling
                device uses the same client and reads every page with a streaming parse (the changes
                counted, each one skipped over, as raw reads each row's columns as text), after %d
                warm-up bootstraps on each side, on statistics analysed after the seed. Push is warmed up first
                (%,d small and %,d full push batches, then rounds of 10 batches per device until the
                JIT has compiled for under 5%% of a round's time twice in a row and the scheduled
                retention purge has first run, at most %d rounds: %s), so that the server is measured
                warm, as one that has been up a while. The rounds then run on a fresh tenant, so that
                push and raw start from empty tables and grow alike (the warm-up writes far more on
                the push side), after %d batches per device on each side there; the devices send op ids
                as the SDK makes them (UUIDv7, increasing per device) and their new rows as `insert`
                ops, as the SDK does.

                Push pays what raw does not: HTTP and JSON both ways, the token and device-status
                checks, the op ledger (a row per batch of new ops that all applied, with each op's
                id and hash, and the device's op mark checked and moved; a lookup of any op id at or
                below the mark), advisory locks on row keys and the device, each entry's clock and
                origin, the count that tells the push its rows were all new (an `insert` is written
                unread; a row already there makes the push redo with it read `FOR UPDATE` with its
                change-log entry), and the bookkeeping that keeps the capture trigger out of the
                push's own statements. Pull pays HTTP, a REPEATABLE READ
                snapshot per page, the principal's scope, and the device parsing each page; row JSON
                is rendered once at capture and copied.
                """, Instant.now().toString().substring(0, 16) + "Z", ROUNDS, BATCHES_PER_DEVICE, BATCHES_PER_DEVICE * BATCH * DEVICES,
                push, raw, push / raw, median(ratios(pushes, raws)), PULL_ROWS, pull, rawPull, pull / rawPull, median(ratios(pulls, rawPulls)),
                fmt(pushes), fmt(raws), fmt(pulls), fmt(rawPulls), fmt(ratios(pushes, raws), "%.2f"), fmt(ratios(pulls, rawPulls), "%.2f"), cpuLine,
                PULL_WARMUP, WARMUP_REQUESTS, WARMUP_FULL_BATCHES, WARMUP_JIT_ROUNDS,
                jitSettled ? String.format(Locale.ROOT, "this run settled after %d", warmupRounds)
                        : String.format(Locale.ROOT, "this run did not settle, the last round still compiling for %.0f%% of it", lastJitShare * 100),
                MEASURED_PREP);
        Path doc = Path.of("..", "docs", "benchmarks.md");
        String text = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n\n";
        String begin = "<!-- sync:begin (written by functions SyncBenchmark; do not edit by hand) -->\n";
        String end = "<!-- sync:end -->";
        int at = text.indexOf("<!-- sync:begin");
        int stop = text.indexOf(end);
        if (at >= 0 && stop > at) {
            text = text.substring(0, at) + begin + section + end + text.substring(stop + end.length());
        } else {
            text = text.stripTrailing() + "\n\n" + begin + section + end + "\n";
        }
        Files.writeString(doc, text);
        System.out.println(section);
    }

    /** Round by round, sync ÷ raw. */
    static double[] ratios(double[] sync, double[] raw) {
        double[] out = new double[sync.length];
        for (int i = 0; i < sync.length; i++) {
            out[i] = sync[i] / raw[i];
        }
        return out;
    }

    static String fmt(double[] xs) {
        return fmt(xs, "%,.0f");
    }

    /** The values, each in {@code format}, comma-separated. */
    static String fmt(double[] xs, String format) {
        List<String> out = new ArrayList<>();
        for (double x : xs) {
            out.add(String.format(Locale.ROOT, format, x));
        }
        return String.join(", ", out);
    }
}

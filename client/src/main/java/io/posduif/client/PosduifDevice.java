package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.posduif.client.transport.HttpTransport;
import io.posduif.client.transport.Transport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Posduif device: one SQLite database, the tenant's tables in it, an outbox, and the sync loop.
 *
 * <pre>{@code
 * try (PosduifDevice device = PosduifDevice.open(Path.of("app.db"), PosduifDevice.Options.defaults())) {
 *     device.enroll(QrCodes.decodePng(png), "alice", DeviceInfo.jvm());
 *     device.insert("messages", Map.of("id", UUID.randomUUID().toString(), "content", "hi"));
 *     device.start();            // SSE + periodic sync in the background
 * }
 * }</pre>
 *
 * Writes always succeed locally (offline included); the sync engine delivers them later.
 */
public final class PosduifDevice implements AutoCloseable {

    /**
     * @param baseUrl      server base URL; null = derived from the QR code's enrollment URL
     * @param sseUrl       relay URL; null = {@code sync_config.sse_url} with {@code {device_id}} filled in
     * @param transport    the network seam (an {@link io.posduif.client.transport.UnreliableTransport} in simulations)
     * @param sseClient    HTTP client for the SSE stream
     * @param backoff      retry policy for I/O errors and 5xx
     * @param pullLimit    page size asked from {@code /api/sync/pull}
     * @param syncInterval fallback periodic sync; null = {@code sync_config.sync_interval_seconds}
     */
    public record Options(String baseUrl, String sseUrl, Transport transport, HttpClient sseClient, Backoff backoff,
                          int pullLimit, Duration syncInterval, String deviceId) {
        public static Options defaults() {
            HttpTransport http = new HttpTransport();
            return new Options(null, null, http, http.client(), Backoff.DEFAULT, 500, null, null);
        }

        public Options withTransport(Transport t) {
            return new Options(baseUrl, sseUrl, t, sseClient, backoff, pullLimit, syncInterval, deviceId);
        }

        public Options withBaseUrl(String url) {
            return new Options(url, sseUrl, transport, sseClient, backoff, pullLimit, syncInterval, deviceId);
        }

        public Options withSseUrl(String url) {
            return new Options(baseUrl, url, transport, sseClient, backoff, pullLimit, syncInterval, deviceId);
        }

        public Options withBackoff(Backoff b) {
            return new Options(baseUrl, sseUrl, transport, sseClient, b, pullLimit, syncInterval, deviceId);
        }

        public Options withPullLimit(int limit) {
            return new Options(baseUrl, sseUrl, transport, sseClient, backoff, limit, syncInterval, deviceId);
        }

        public Options withSyncInterval(Duration interval) {
            return new Options(baseUrl, sseUrl, transport, sseClient, backoff, pullLimit, interval, deviceId);
        }

        public Options withDeviceId(String id) {
            return new Options(baseUrl, sseUrl, transport, sseClient, backoff, pullLimit, syncInterval, id);
        }
    }

    private final LocalDatabase db;
    private final SyncEngine engine;
    private final Options options;
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private ScheduledExecutorService scheduler;
    private SseListener sse;

    private PosduifDevice(LocalDatabase db, Options options) {
        this.db = db;
        this.options = options;
        this.engine = new SyncEngine(db, new Api(options.transport()), options.backoff(), options.pullLimit());
    }

    /** Opens (or creates) the device database at {@code file}. */
    public static PosduifDevice open(Path file, Options options) {
        return new PosduifDevice(new LocalDatabase("jdbc:sqlite:" + file.toAbsolutePath()), options);
    }

    /** An in-memory device (tests, simulations that do not need restarts). */
    public static PosduifDevice inMemory(Options options) {
        return new PosduifDevice(new LocalDatabase("jdbc:sqlite::memory:"), options);
    }

    public void addListener(SyncListener listener) {
        engine.addListener(listener);
    }

    // ---------------------------------------------------------------- enrollment

    /** Enrolls with a scanned QR payload as the mobile user {@code username}, then loads the schema. */
    public AppInstructions enroll(QrPayload qr, String username, DeviceInfo info) throws IOException, ApiException {
        String base = options.baseUrl() != null ? trimSlash(options.baseUrl()) : qr.baseUrl();
        String deviceId = options.deviceId() != null ? options.deviceId() : UUID.randomUUID().toString();
        return engine.enroll(base, qr, deviceId, username, info);
    }

    /** Enrolls from a QR code image (PNG), decoded with zxing. */
    public AppInstructions enrollFromQrPng(byte[] png, String username, DeviceInfo info) throws IOException, ApiException {
        return enroll(QrCodes.decodePng(png), username, info);
    }

    public boolean isEnrolled() {
        return db.credentials() != null;
    }

    public String deviceId() {
        LocalDatabase.Credentials c = db.credentials();
        return c == null ? null : c.deviceId();
    }

    public String userId() {
        LocalDatabase.Credentials c = db.credentials();
        return c == null ? null : c.userId();
    }

    public boolean isRevoked() {
        return engine.revoked();
    }

    /** A current device access token (refreshed with the device secret when near expiry). */
    public String accessToken() throws IOException, ApiException {
        return engine.token();
    }

    // ---------------------------------------------------------------- schema

    public AppInstructions instructions() {
        return db.instructions();
    }

    public long schemaVersion() {
        return db.schemaVersion();
    }

    /** Refetches app-instructions and migrates local tables. */
    public AppInstructions refreshSchema() throws IOException, ApiException {
        return engine.refreshInstructions();
    }

    // ---------------------------------------------------------------- local data

    /** Inserts a row (fails if the key exists locally). Values: String, Number, Boolean, byte[]→base64 String, Map/List for json. */
    public void insert(String table, Map<String, ?> row) {
        db.write(table, LocalDatabase.WriteKind.INSERT, row);
    }

    /** Updates the given columns of the row identified by the key columns in {@code row}. */
    public boolean update(String table, Map<String, ?> row) {
        boolean found = db.write(table, LocalDatabase.WriteKind.UPDATE, row);
        if (!found) {
            throw new LocalWriteException("NOT_FOUND", "no local row in " + table + " with key " + row);
        }
        return true;
    }

    /** Inserts or updates. */
    public void upsert(String table, Map<String, ?> row) {
        db.write(table, LocalDatabase.WriteKind.UPSERT, row);
    }

    /** Deletes the row with this key; false if there was none (then nothing is queued). */
    public boolean delete(String table, Map<String, ?> pk) {
        return db.write(table, LocalDatabase.WriteKind.DELETE, pk);
    }

    /** All rows of a table in wire form, ordered by primary key. */
    public List<ObjectNode> rows(String table) {
        return db.rows(table);
    }

    /** Read-only SQL against the local database. */
    public List<Map<String, Object>> query(String sql, Object... args) {
        return db.query(sql, args);
    }

    public int pendingCount() {
        return db.outboxSize();
    }

    public String cursor() {
        return db.cursor();
    }

    // ---------------------------------------------------------------- sync

    /** One full sync now (push everything, pull to the end). Throws if the server cannot be reached. */
    public SyncReport sync() throws IOException, ApiException {
        return engine.sync();
    }

    /** Starts the background loop: periodic sync, plus SSE-triggered sync when a relay URL is known. */
    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("posduif-sync").unstarted(r));
        AppInstructions ai = db.instructions();
        Duration every = options.syncInterval() != null ? options.syncInterval()
                : Duration.ofSeconds(ai == null ? 300 : ai.syncIntervalSeconds());
        scheduler.scheduleWithFixedDelay(this::syncQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        String sseUrl = options.sseUrl() != null ? options.sseUrl() : (ai == null ? null : ai.sseUrl());
        if (sseUrl != null && !sseUrl.isBlank() && options.sseClient() != null) {
            sse = new SseListener(options.sseClient(), URI.create(sseUrl.replace("{device_id}", deviceId())),
                    force -> force ? engine.forceRefresh() : engine.token(),
                    this::onEvent, Backoff.DEFAULT);
            sse.start();
        }
    }

    /** Asks the background loop for a sync soon; coalesces bursts of requests. */
    public void requestSync() {
        ScheduledExecutorService s = scheduler;
        if (s != null && syncQueued.compareAndSet(false, true)) {
            s.execute(() -> {
                syncQueued.set(false);
                syncQuietly();
            });
        }
    }

    private void onEvent(String event, String id, JsonNode data) {
        switch (event) {
            case "sync_required", "reset" -> requestSync();
            case "schema_changed" -> {
                engine.requestSchemaRefresh();
                requestSync();
            }
            case "device_revoked" -> {
                engine.markRevoked();
                stop();
            }
            default -> {
            }
        }
    }

    private void syncQuietly() {
        if (engine.revoked()) {
            return;
        }
        try {
            engine.sync();
        } catch (DeviceRevokedException e) {
            // listeners were told by markRevoked
        } catch (Exception e) {
            // Offline or server trouble: the next trigger retries; local writes keep working.
            engine.notifyFailure(e);
        }
    }

    /** Stops background sync and SSE; the database stays open. */
    public synchronized void stop() {
        if (sse != null) {
            sse.close();
            sse = null;
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public void close() {
        stop();
        db.close();
    }

    private static String trimSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}

package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.posduif.protocol.ErrorCode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Push, pull, token refresh and schema refresh against one server, for one device database.
 * One sync runs at a time; local writes go on meanwhile (they only touch SQLite).
 */
final class SyncEngine {
    /** Refresh a little before expiry so a token never dies in flight. */
    private static final long REFRESH_MARGIN_MS = 60_000;
    private static final int MAX_RESETS_PER_SYNC = 3;

    private final LocalDatabase db;
    private final Api api;
    private final Backoff backoff;
    private final int pullLimit;
    private final List<SyncListener> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock syncLock = new ReentrantLock();
    private final Object tokenLock = new Object();
    private volatile boolean schemaRefreshRequested;

    SyncEngine(LocalDatabase db, Api api, Backoff backoff, int pullLimit) {
        this.db = db;
        this.api = api;
        this.backoff = backoff;
        this.pullLimit = pullLimit;
    }

    void addListener(SyncListener listener) {
        listeners.add(listener);
    }

    void notifyFailure(Exception e) {
        listeners.forEach(l -> l.onSyncFailed(e));
    }

    void requestSchemaRefresh() {
        schemaRefreshRequested = true;
    }

    // ---------------------------------------------------------------- enrollment

    /** Validates the token, completes enrollment, stores the credentials and loads the schema. */
    AppInstructions enroll(String baseUrl, QrPayload qr, String deviceId, String username, DeviceInfo info)
            throws IOException, ApiException {
        String token = URLEncoder.encode(qr.token(), StandardCharsets.UTF_8);
        JsonNode details = retrying(() -> api.call("GET", URI.create(baseUrl + "/api/enrollment/" + token), null, null, null, false));
        if (details.has("valid") && !details.path("valid").asBoolean()) {
            throw new IllegalStateException("enrollment token is not valid: " + details);
        }
        ObjectNode body = Json.object();
        body.put("token", qr.token());
        body.put("device_id", deviceId);
        if (username != null) {
            body.put("username", username);
        }
        ObjectNode di = body.putObject("device_info");
        di.put("platform", info.platform());
        di.put("version", info.version());
        di.put("model", info.model());
        di.put("app_version", info.appVersion());
        // Not retried: the device secret is shown once, so a lost answer means enrolling again.
        JsonNode done = api.call("POST", URI.create(baseUrl + "/api/enrollment/complete"), body, null, null, false);
        String secret = done.path("device_secret").asText(null);
        if (secret == null) {
            throw new IOException("enrollment answer has no device_secret: " + done);
        }
        db.saveCredentials(new LocalDatabase.Credentials(baseUrl,
                done.path("tenant_id").asText(qr.tenantId()), done.path("user_id").asText(null),
                done.path("device_id").asText(deviceId), secret, done.path("access_token").asText(null),
                expiresAt(done), false));
        return refreshInstructions();
    }

    private static long expiresAt(JsonNode tokenAnswer) {
        return System.currentTimeMillis() + tokenAnswer.path("expires_in").asLong(0) * 1000L;
    }

    // ---------------------------------------------------------------- tokens

    LocalDatabase.Credentials requireCredentials() throws DeviceRevokedException {
        LocalDatabase.Credentials c = db.credentials();
        if (c == null) {
            throw new IllegalStateException("device is not enrolled");
        }
        if (c.revoked()) {
            throw new DeviceRevokedException("device " + c.deviceId() + " is revoked");
        }
        return c;
    }

    String token() throws IOException, ApiException {
        LocalDatabase.Credentials c = requireCredentials();
        if (c.accessToken() == null || c.tokenExpiresAtMillis() - System.currentTimeMillis() < REFRESH_MARGIN_MS) {
            return refreshToken(c.accessToken());
        }
        return c.accessToken();
    }

    /**
     * Exchanges the device secret for a new token and the next secret. The new secret is
     * persisted before the token is used: if it were lost, the next exchange would present a
     * rotated-away secret and the server would revoke the device as stolen.
     */
    String refreshToken(String staleToken) throws IOException, ApiException {
        synchronized (tokenLock) {
            LocalDatabase.Credentials c = requireCredentials();
            if (c.accessToken() != null && !c.accessToken().equals(staleToken)
                    && c.tokenExpiresAtMillis() - System.currentTimeMillis() >= REFRESH_MARGIN_MS) {
                return c.accessToken(); // another thread refreshed meanwhile
            }
            ObjectNode body = Json.object();
            body.put("device_id", c.deviceId());
            body.put("device_secret", c.deviceSecret());
            JsonNode answer;
            try {
                answer = retrying(() -> api.call("POST", uri(c, "/api/devices/token"), body, null, null, false));
            } catch (ApiException e) {
                if (e.is(ErrorCode.DEVICE_REVOKED)) {
                    markRevoked();
                    throw new DeviceRevokedException(e.getMessage());
                }
                throw e;
            }
            String token = answer.path("access_token").asText(null);
            if (token == null) {
                throw new IOException("token answer has no access_token");
            }
            String secret = answer.path("device_secret").asText(c.deviceSecret());
            db.saveCredentials(c.withToken(secret, token, expiresAt(answer)));
            return token;
        }
    }

    /** After a server refused the current token (e.g. the relay answered 401). */
    String forceRefresh() throws IOException, ApiException {
        return refreshToken(requireCredentials().accessToken());
    }

    void markRevoked() {
        LocalDatabase.Credentials c = db.credentials();
        if (c != null && !c.revoked()) {
            db.saveCredentials(c.asRevoked());
            listeners.forEach(SyncListener::onRevoked);
        }
    }

    boolean revoked() {
        LocalDatabase.Credentials c = db.credentials();
        return c != null && c.revoked();
    }

    private static URI uri(LocalDatabase.Credentials c, String pathAndQuery) {
        return URI.create(c.baseUrl() + pathAndQuery);
    }

    /** A device call: fresh token, one refresh-and-retry on 401, revocation stops everything. */
    JsonNode authed(String method, String pathAndQuery, Object body, boolean gzip) throws IOException, ApiException {
        return retrying(() -> {
            LocalDatabase.Credentials c = requireCredentials();
            String token = token();
            try {
                return api.call(method, uri(c, pathAndQuery), body, token, c.deviceId(), gzip);
            } catch (ApiException e) {
                if (e.status() != 401) {
                    throw e;
                }
                if (e.is(ErrorCode.DEVICE_REVOKED)) {
                    markRevoked();
                    throw new DeviceRevokedException(e.getMessage());
                }
                String fresh = refreshToken(token);
                return api.call(method, uri(c, pathAndQuery), body, fresh, c.deviceId(), gzip);
            }
        });
    }

    interface Call {
        JsonNode run() throws IOException, ApiException;
    }

    /** Retries I/O failures and 5xx/429 with backoff; client errors surface at once. */
    JsonNode retrying(Call call) throws IOException, ApiException {
        int failures = 0;
        while (true) {
            try {
                return call.run();
            } catch (java.io.InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (++failures >= backoff.maxAttempts()) {
                    throw e;
                }
            } catch (ApiException e) {
                if (!e.isRetryable() || ++failures >= backoff.maxAttempts()) {
                    throw e;
                }
            }
            backoff.sleep(failures - 1);
        }
    }

    // ---------------------------------------------------------------- schema

    AppInstructions refreshInstructions() throws IOException, ApiException {
        long local = db.schemaVersion();
        JsonNode node = authed("GET", "/api/app-instructions" + (local > 0 ? "?from_version=" + local : ""), null, false);
        AppInstructions ai = AppInstructions.from(node);
        long before = db.schemaVersion();
        db.applyInstructions(ai);
        schemaRefreshRequested = false;
        if (ai.schemaVersion() != before) {
            listeners.forEach(l -> l.onSchemaChanged(ai.schemaVersion()));
        }
        return ai;
    }

    // ---------------------------------------------------------------- sync

    SyncReport sync() throws IOException, ApiException {
        syncLock.lock();
        try {
            long started = System.nanoTime();
            requireCredentials();
            if (schemaRefreshRequested || db.instructions() == null) {
                refreshInstructions();
            }
            Counts counts = new Counts();
            push(counts);
            pull(counts);
            SyncReport report = new SyncReport(counts.pushed, counts.applied, counts.duplicates, counts.rejected,
                    counts.conflicts, counts.pulled, counts.pages, counts.reset, db.schemaVersion(), db.cursor(),
                    (System.nanoTime() - started) / 1_000_000);
            listeners.forEach(l -> l.onSynced(report));
            return report;
        } finally {
            syncLock.unlock();
        }
    }

    private static final class Counts {
        int pushed;
        int applied;
        int duplicates;
        int rejected;
        int conflicts;
        int pulled;
        int pages;
        boolean reset;
    }

    private void push(Counts counts) throws IOException, ApiException {
        AppInstructions ai = db.instructions();
        int batch = ai == null ? 100 : ai.batchSize();
        boolean gzip = ai == null || ai.compression();
        while (true) {
            List<LocalDatabase.OutboxOp> ops = db.outboxBatch(batch);
            if (ops.isEmpty()) {
                return;
            }
            ObjectNode body = Json.object();
            ArrayNode wire = body.putArray("ops");
            ops.forEach(op -> wire.add(op.wire()));
            JsonNode answer;
            try {
                answer = authed("POST", "/api/sync/push", body, gzip);
            } catch (ApiException e) {
                if (!isWholeBatchRefusal(e)) {
                    throw e;
                }
                if (ops.size() > 1) {
                    batch = Math.max(1, ops.size() / 2); // narrow down to the operation the server refuses
                    continue;
                }
                if (gzip) {
                    gzip = false; // a server or proxy that cannot read gzip bodies: speak plainly from now on
                    continue;
                }
                // One operation refused as a whole request. Dropping it would lose the user's write;
                // keep it queued and surface the error (onSyncFailed) until the app or server is fixed.
                throw e;
            }
            Map<String, JsonNode> byId = new HashMap<>();
            for (JsonNode r : answer.path("results")) {
                byId.put(r.path("op_id").asText(), r);
            }
            db.acknowledge(ops, byId);
            counts.pushed += ops.size();
            for (LocalDatabase.OutboxOp op : ops) {
                JsonNode r = byId.get(op.opId());
                if (r == null) {
                    continue;
                }
                String status = r.path("status").asText();
                switch (status) {
                    case "applied" -> counts.applied++;
                    case "duplicate" -> counts.duplicates++;
                    case "rejected" -> counts.rejected++;
                    case "conflict" -> counts.conflicts++;
                    default -> {
                    }
                }
                if (status.equals("rejected") || status.equals("conflict")) {
                    OpResult result = new OpResult(op.opId(), op.table(), op.pk(), status,
                            r.path("code").asText(null), r.path("message").asText(null), r.get("server_row"));
                    listeners.forEach(l -> l.onOpResult(result));
                }
            }
            if (byId.isEmpty()) {
                throw new IOException("push answer acknowledged nothing: " + answer);
            }
        }
    }

    /** 400/413/422 to a push is about its content; other 4xx (404, 403) mean the endpoint, not the ops. */
    private static boolean isWholeBatchRefusal(ApiException e) {
        return e.status() == 400 || e.status() == 413 || e.status() == 422;
    }

    private void pull(Counts counts) throws IOException, ApiException {
        if (db.resyncRequired()) {
            db.resetSynced();
            counts.reset = true;
        }
        String cursor = db.cursor();
        if (cursor == null) {
            cursor = "0";
        }
        int resets = 0;
        while (true) {
            JsonNode page;
            try {
                page = authed("GET", "/api/sync/pull?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)
                        + "&limit=" + pullLimit, null, false);
            } catch (ApiException e) {
                if (e.is(ErrorCode.RESET_REQUIRED) && resets++ < MAX_RESETS_PER_SYNC) {
                    db.resetSynced();
                    counts.reset = true;
                    cursor = "0";
                    continue;
                }
                throw e;
            }
            long serverVersion = page.path("schema_version").asLong(0);
            if (serverVersion > db.schemaVersion()) {
                // Migrate before applying: the page may carry columns only the new schema has.
                refreshInstructions();
            }
            String next = page.path("cursor").asText(cursor);
            counts.pulled += db.applyPage(page.path("changes"), next);
            counts.pages++;
            boolean more = page.path("has_more").asBoolean(false);
            if (!more || next.equals(cursor) && page.path("changes").isEmpty()) {
                return;
            }
            cursor = next;
        }
    }
}

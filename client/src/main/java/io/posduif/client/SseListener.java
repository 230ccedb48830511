package io.posduif.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Holds the device's SSE connection to the relay and turns events into calls on a handler.
 *
 * <p>Reconnects with backoff whenever the stream ends or fails, sending {@code Last-Event-ID}
 * so the relay can replay what was missed (or send {@code reset}). A 401 triggers one token
 * refresh; {@code DEVICE_REVOKED} or a {@code device_revoked} event stops it for good.
 * Events only ever mean "pull now": no data travels here.
 */
public final class SseListener implements AutoCloseable {
    /** Receives parsed events on the listener's thread. */
    public interface Handler {
        void onEvent(String event, String id, JsonNode data);

        default void onConnected() {
        }
    }

    /** Supplies a bearer token; {@code forceRefresh} after the relay refused the last one. */
    public interface Tokens {
        String token(boolean forceRefresh) throws Exception;
    }

    private final HttpClient client;
    private final URI uri;
    private final Tokens tokens;
    private final Handler handler;
    private final Backoff backoff;
    private volatile boolean closed;
    private volatile String lastEventId;
    private volatile InputStream current;
    private Thread thread;

    public SseListener(HttpClient client, URI uri, Tokens tokens, Handler handler, Backoff backoff) {
        this.client = client;
        this.uri = uri;
        this.tokens = tokens;
        this.handler = handler;
        this.backoff = backoff;
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = Thread.ofPlatform().daemon().name("posduif-sse").start(this::run);
    }

    public String lastEventId() {
        return lastEventId;
    }

    private void run() {
        int failures = 0;
        boolean forceRefresh = false;
        while (!closed) {
            try {
                String token = tokens.token(forceRefresh);
                forceRefresh = false;
                HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                        .header("Accept", "text/event-stream")
                        .header("Authorization", "Bearer " + token)
                        .GET();
                if (lastEventId != null) {
                    req.header("Last-Event-ID", lastEventId);
                }
                HttpResponse<InputStream> response = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = response.body()) {
                    current = in;
                    if (response.statusCode() == 401) {
                        String body = new String(in.readNBytes(8192), StandardCharsets.UTF_8);
                        if (body.contains("DEVICE_REVOKED")) {
                            handler.onEvent("device_revoked", null, Json.parse("{\"type\":\"device_revoked\"}"));
                            closed = true;
                            return;
                        }
                        forceRefresh = true;
                        failures++;
                    } else if (response.statusCode() != 200) {
                        in.readNBytes(8192);
                        failures++;
                    } else {
                        failures = 0;
                        handler.onConnected();
                        read(in);
                    }
                }
            } catch (DeviceRevokedException e) {
                closed = true;
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                failures++;
            } finally {
                current = null;
            }
            if (closed) {
                return;
            }
            try {
                // Even after a clean end of stream wait a little: a relay that closes at once must not be hammered.
                Thread.sleep(Math.max(100, backoff.delayMillis(Math.max(0, failures - 1))));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Parses the event stream (WHATWG rules for the fields we use) until it ends. */
    private void read(InputStream in) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String event = null;
        String id = null;
        StringBuilder data = new StringBuilder();
        String line;
        while (!closed && (line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (id != null) {
                    lastEventId = id;
                }
                if (data.length() > 0 || event != null) {
                    dispatch(event == null ? "message" : event, id, data.toString());
                }
                event = null;
                id = null;
                data.setLength(0);
                continue;
            }
            if (line.startsWith(":")) {
                continue; // heartbeat comment
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> event = value;
                case "id" -> id = value;
                case "data" -> {
                    if (data.length() > 0) {
                        data.append('\n');
                    }
                    data.append(value);
                }
                default -> {
                }
            }
        }
    }

    private void dispatch(String event, String id, String data) {
        JsonNode node;
        try {
            node = data.isEmpty() ? Json.object() : Json.parse(data);
        } catch (RuntimeException e) {
            node = Json.object();
        }
        handler.onEvent(event, id, node);
        if ("device_revoked".equals(event)) {
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        InputStream in = current;
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing to unblock the reader
            }
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

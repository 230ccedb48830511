package io.posduif.relay.sse;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.posduif.protocol.ErrorCode;
import io.posduif.relay.RelayConfig;
import io.posduif.relay.RelayExecutors;
import io.posduif.relay.auth.Principal;
import io.posduif.relay.auth.TokenValidator;
import io.posduif.relay.stream.RedisStreams;
import io.posduif.relay.stream.StreamEntry;
import io.posduif.relay.stream.StreamId;
import io.posduif.relay.stream.StreamReader;
import io.posduif.relay.tenant.TenantDirectory;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /sse/mobile/{device_id}} and {@code GET /sse/web/{user_id}}: checks the request,
 * then turns the channel into an {@link SseConnection}. Token checks run on the event loop (pure
 * CPU); database checks and replays run on the small I/O pool.
 */
@Singleton
public class SseEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(SseEndpoint.class);
    static final String PENDING = "posduif-sse-pending";
    static final String STREAM = "posduif-sse";
    private static final byte[] OPENING = "retry: 3000\n: connected\n\n".getBytes(StandardCharsets.US_ASCII);

    private final TokenValidator tokens;
    private final TenantDirectory tenants;
    private final Devices devices;
    private final Hub hub;
    private final RedisStreams redis;
    private final RelayExecutors executors;
    private final RelayConfig config;
    private final StreamReader reader;
    private final Cors cors;

    SseEndpoint(TokenValidator tokens, TenantDirectory tenants, Devices devices, Hub hub, RedisStreams redis,
                RelayExecutors executors, RelayConfig config, StreamReader reader, Cors cors) {
        this.reader = reader;
        this.cors = cors;
        this.tokens = tokens;
        this.tenants = tenants;
        this.devices = devices;
        this.hub = hub;
        this.redis = redis;
        this.executors = executors;
        this.config = config;
    }

    /** Swallows the rest of the request while it is being checked. */
    static final class Pending extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    void open(Channel ch, HttpRequest req) {
        String requestOrigin = req.headers().get(HttpHeaderNames.ORIGIN);
        String origin = cors.allow(requestOrigin);
        if (HttpMethod.OPTIONS.equals(req.method())) {
            if (origin == null) {
                // a page of an origin that was not configured: no permission to send the token here
                HttpReplies.error(ch, null, ErrorCode.FORBIDDEN, "origin not allowed: set posduif.relay.allowed-origin");
                return;
            }
            HttpReplies.preflight(ch, origin);
            return;
        }
        if (!HttpMethod.GET.equals(req.method())) {
            HttpReplies.error(ch, origin, ErrorCode.METHOD_NOT_ALLOWED, "streams are opened with GET");
            return;
        }
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String[] parts = q.rawPath().split("/", -1);
        if (parts.length != 4 || !("mobile".equals(parts[2]) || "web".equals(parts[2])) || parts[3].isEmpty()) {
            HttpReplies.error(ch, origin, ErrorCode.NOT_FOUND, "no such stream; use /sse/mobile/{device_id} or /sse/web/{user_id}");
            return;
        }
        String id = QueryStringDecoder.decodeComponent(parts[3]);
        boolean mobile = "mobile".equals(parts[2]);
        String token = bearer(req.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (token == null) {
            token = param(q, "access_token");
        }
        Principal p;
        try {
            p = tokens.validate(token);
        } catch (TokenValidator.Rejected r) {
            HttpReplies.error(ch, origin, r.code(), r.getMessage());
            return;
        }
        if (mobile) {
            if (p.kind() != Principal.Kind.DEVICE) {
                HttpReplies.error(ch, origin, ErrorCode.WRONG_TOKEN_TYPE, "this stream needs a device token");
                return;
            }
            String hinted = req.headers().get("X-Device-ID");
            if (!id.equals(p.deviceId()) || (hinted != null && !hinted.equals(p.deviceId()))) {
                HttpReplies.error(ch, origin, ErrorCode.DEVICE_MISMATCH, "the device id does not match the token");
                return;
            }
        } else {
            if (p.kind() != Principal.Kind.WEB) {
                HttpReplies.error(ch, origin, ErrorCode.WRONG_TOKEN_TYPE, "this stream needs a web user token");
                return;
            }
            if (!id.equalsIgnoreCase(p.userId())) {
                HttpReplies.error(ch, origin, ErrorCode.FORBIDDEN, "a web user may open only their own stream");
                return;
            }
        }
        String lastEventId = req.headers().get("Last-Event-ID");
        if (lastEventId == null) {
            lastEventId = param(q, "last_event_id");
        }
        String resumeFrom = lastEventId == null || lastEventId.isBlank() ? null : lastEventId.trim();
        executors.io().execute(() -> admit(ch, p, resumeFrom, origin));
    }

    private void admit(Channel ch, Principal p, String resumeFrom, String origin) {
        Set<String> buckets = null;
        try {
            if (!tenants.exists(p.tenant())) {
                HttpReplies.error(ch, origin, ErrorCode.UNAUTHORIZED, "unknown tenant");
                return;
            }
            if (p.kind() == Principal.Kind.DEVICE) {
                Devices.Device d = devices.find(p.tenant(), p.deviceId());
                if (d == null || !p.userId().equals(d.userId())) {
                    HttpReplies.error(ch, origin, ErrorCode.UNAUTHORIZED, "unknown device");
                    return;
                }
                if (d.revoked()) {
                    HttpReplies.error(ch, origin, ErrorCode.DEVICE_REVOKED, "this device was revoked");
                    return;
                }
                buckets = d.buckets();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("stream of {} refused: database: {}", p.tenant(), e.toString());
            HttpReplies.error(ch, origin, ErrorCode.DATABASE_ERROR, "the database is unavailable; retry later");
            return;
        }
        try {
            reader.watch(p.tenant());
        } catch (RuntimeException e) {
            // Redis down: the reader picks the tenant up at its next refresh; the client gets reset then
        }
        Set<String> b = buckets;
        ch.eventLoop().execute(() -> start(ch, p, b, resumeFrom, origin));
    }

    private void start(Channel ch, Principal p, Set<String> buckets, String resumeFrom, String origin) {
        if (!ch.isActive() || ch.pipeline().get(PENDING) == null) {
            return;
        }
        SseConnection conn = new SseConnection(ch, p, buckets, hub, resumeFrom != null);
        ch.pipeline().replace(PENDING, STREAM, conn);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, no-store");
        head.headers().set("X-Accel-Buffering", "no");
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        HttpReplies.allowOrigin(head.headers(), origin);
        ch.write(head, ch.voidPromise());
        ch.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(OPENING)), ch.voidPromise());
        hub.add(conn);
        if (resumeFrom != null) {
            executors.io().execute(() -> replay(conn, p.tenant(), resumeFrom));
        }
    }

    /** Sends what the client missed since {@code lastEventId}, or {@code reset} if that is unknowable. */
    private void replay(SseConnection conn, String tenant, String lastEventId) {
        try {
            StreamId from = StreamId.parse(lastEventId);
            StreamId first = redis.firstId(tenant);
            StreamId last = redis.lastId(tenant);
            boolean lost = from == null || first == null || first.compareTo(from) > 0 || last.compareTo(from) < 0;
            List<StreamEntry> missed = lost ? List.of() : redis.after(tenant, from, config.replayLimit() + 1);
            if (lost || missed.size() > config.replayLimit()) {
                finishOnLoop(conn, List.of(), resetFrame(last), last.equals(StreamId.ZERO) ? null : last);
            } else {
                finishOnLoop(conn, missed, null, null);
            }
        } catch (RuntimeException e) {
            // Redis down: the client cannot learn what it missed, so it pulls everything it may have missed
            finishOnLoop(conn, List.of(), resetFrame(StreamId.ZERO), null);
        }
    }

    /** The replay's writes join the live ones on the channel's event loop (one thread: stream order). */
    private static void finishOnLoop(SseConnection conn, List<StreamEntry> missed, byte[] resetFrame, StreamId resetId) {
        conn.channel.eventLoop().execute(() -> conn.finishReplay(missed, resetFrame, resetId));
    }

    static byte[] resetFrame(StreamId at) {
        return StreamEntry.frame(at == null || at.equals(StreamId.ZERO) ? "" : at.toString(), "reset", "{\"type\":\"reset\"}");
    }

    private static String bearer(String header) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
    }

    private static String param(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}

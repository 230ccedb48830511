package io.posduif.relay.sse;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.posduif.protocol.ErrorCode;

import java.nio.charset.StandardCharsets;

/** Plain responses the relay writes itself, in the wire error format of docs/protocol.md §2. */
final class HttpReplies {

    private HttpReplies() {
    }

    static void error(Channel ch, String origin, ErrorCode code, String message) {
        String body = "{\"error\":{\"code\":\"" + code.name() + "\",\"message\":\"" + escape(message) + "\",\"details\":{}}}";
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code.httpStatus()),
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        allowOrigin(r.headers(), origin);
        if (code == ErrorCode.UNAUTHORIZED || code == ErrorCode.WRONG_TOKEN_TYPE || code == ErrorCode.DEVICE_REVOKED
                || code == ErrorCode.DEVICE_MISMATCH) {
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        if (code == ErrorCode.METHOD_NOT_ALLOWED) {
            r.headers().set(HttpHeaderNames.ALLOW, "GET, OPTIONS");
        }
        ch.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * {@code Access-Control-Allow-Origin} when {@link Cors} allowed the request's origin (null =
     * none); {@code Vary: Origin} because the answer depends on it (caches must not mix origins).
     */
    static void allowOrigin(io.netty.handler.codec.http.HttpHeaders h, String origin) {
        if (origin != null) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        h.set(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
    }

    /** CORS preflight of an allowed origin: browsers ask before sending Authorization or Last-Event-ID cross-origin. */
    static void preflight(Channel ch, String origin) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        allowOrigin(r.headers(), origin);
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, OPTIONS");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Last-Event-ID, X-Device-ID, Cache-Control");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ch.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}

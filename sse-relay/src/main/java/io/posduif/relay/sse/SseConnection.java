package io.posduif.relay.sse;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.posduif.relay.auth.Principal;
import io.posduif.relay.stream.StreamEntry;
import io.posduif.relay.stream.StreamId;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One open SSE stream. It is also the channel's last handler once the request was taken over
 * from Micronaut, so a connection costs this object and Netty's own state — no thread, no
 * reactive pipeline, no per-connection timer (heartbeats come from one shared scheduler).
 *
 * <p>Events may arrive from the stream reader while a resume is still replaying missed entries;
 * they are held in {@link #held} and written after the replay, skipping anything already sent,
 * so a client sees each entry once and in stream order.
 */
public final class SseConnection extends ChannelInboundHandlerAdapter {

    static final byte[] HEARTBEAT = ":heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);

    final Channel channel;
    final Principal principal;
    private final Hub hub;
    /** Bucket keys the device subscribes to; null = unknown, receives every sync_required. */
    volatile Set<String> buckets;
    private StreamId lastSent;
    private List<StreamEntry> held;

    SseConnection(Channel channel, Principal principal, Set<String> buckets, Hub hub, boolean replaying) {
        this.channel = channel;
        this.principal = principal;
        this.buckets = buckets;
        this.hub = hub;
        this.held = replaying ? new ArrayList<>() : null;
    }

    public Principal principal() {
        return principal;
    }

    boolean isDevice() {
        return principal.kind() == Principal.Kind.DEVICE;
    }

    /** True if this stream should receive the entry (see docs/protocol.md §7). */
    boolean wants(StreamEntry e) {
        if (e.users() != null && !e.users().contains(principal.userId())) {
            return false;
        }
        if (isDevice()) {
            if (e.devices() != null && !e.devices().contains(principal.deviceId())) {
                return false;
            }
            return switch (e.type()) {
                case "sync_required" -> e.buckets() == null || intersects(buckets, e.buckets());
                case "schema_changed" -> true;
                case "device_revoked" -> e.devices() != null;
                default -> false;
            };
        }
        return switch (e.type()) {
            case "sync_required", "schema_changed", "device_revoked", "scopes_changed" -> false;
            default -> true;
        };
    }

    private static boolean intersects(Set<String> mine, Set<String> touched) {
        if (mine == null) {
            return true;
        }
        Set<String> small = mine.size() <= touched.size() ? mine : touched;
        Set<String> large = small == mine ? touched : mine;
        for (String b : small) {
            if (large.contains(b)) {
                return true;
            }
        }
        return false;
    }

    /** Sends a live entry (already routed by {@link #wants}). Writes are enqueued under the lock: stream order. */
    synchronized void send(StreamEntry e) {
        if (held != null) {
            held.add(e);
            return;
        }
        if (lastSent != null && e.id().compareTo(lastSent) <= 0) {
            return;
        }
        lastSent = e.id();
        write(e.frame(), "device_revoked".equals(e.type()));
    }

    /** Ends a resume: writes the missed entries (or a reset frame), then what arrived meanwhile. */
    synchronized void finishReplay(List<StreamEntry> missed, byte[] resetFrame, StreamId resetId) {
        if (resetFrame != null) {
            write(resetFrame, false);
            lastSent = resetId;
        }
        for (StreamEntry e : missed) {
            if (wants(e) && (lastSent == null || e.id().compareTo(lastSent) > 0)) {
                lastSent = e.id();
                write(e.frame(), "device_revoked".equals(e.type()));
            }
        }
        List<StreamEntry> meanwhile = held;
        held = null;
        for (StreamEntry e : meanwhile) {
            send(e);
        }
    }

    public void heartbeat() {
        write(HEARTBEAT, false);
    }

    /** A frame that is not a stream entry (reset after an outage). */
    void sendRaw(byte[] frame) {
        write(frame, false);
    }

    private void write(byte[] frame, boolean thenClose) {
        if (!channel.isActive()) {
            return;
        }
        if (!channel.isWritable()) {
            // a client that does not read: drop it; it resumes with Last-Event-ID and loses nothing
            hub.slowClientDropped();
            channel.close();
            return;
        }
        DefaultHttpContent chunk = new DefaultHttpContent(Unpooled.wrappedBuffer(frame));
        if (thenClose) {
            channel.write(chunk, channel.voidPromise());
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.writeAndFlush(chunk, channel.voidPromise());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // an SSE client has nothing more to say; whatever it sends is discarded
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        hub.remove(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

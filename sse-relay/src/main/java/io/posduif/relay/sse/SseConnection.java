package io.posduif.relay.sse;

import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.netty.buffer.ByteBuf;
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
 * <p>Everything that writes, and the replay state, runs on the channel's event loop. Events may
 * arrive while a resume is still fetching missed entries; they are held in {@link #held} and
 * written after the replay, skipping anything already sent, so a client sees each entry once and
 * in stream order.
 */
public final class SseConnection extends ChannelInboundHandlerAdapter {

    static final byte[] HEARTBEAT = ":heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);

    final Channel channel;
    final Principal principal;
    private final Hub hub;
    /** Bucket keys the device subscribes to; null = unknown, receives every sync_required. */
    volatile Set<String> buckets;
    private StreamId lastSent;
    /** The HTTP codec's context: pre-encoded chunks are written from there, below the encoder. */
    private final ChannelHandlerContext codec;
    private List<StreamEntry> held;

    SseConnection(Channel channel, Principal principal, Set<String> buckets, Hub hub, boolean replaying) {
        this.channel = channel;
        this.codec = channel.pipeline().context(ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC);
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

    /**
     * Sends a live entry (already routed by {@link #wants}); {@code frame} is the entry's shared,
     * pre-encoded frame. Runs on this channel's event loop, like every write and
     * {@link #finishReplay}: one thread per stream keeps its writes in stream order without a lock.
     */
    void send(StreamEntry e, ByteBuf chunk, int frameLength) {
        if (held != null) {
            held.add(e);
            return;
        }
        if (lastSent != null && e.id().compareTo(lastSent) <= 0) {
            return;
        }
        lastSent = e.id();
        writeChunk(chunk, frameLength, "device_revoked".equals(e.type()));
    }

    /** Ends a resume (on the event loop): writes the missed entries (or a reset frame), then what arrived meanwhile. */
    void finishReplay(List<StreamEntry> missed, byte[] resetFrame, StreamId resetId) {
        if (resetFrame != null) {
            write(Unpooled.wrappedBuffer(resetFrame), false, false);
            lastSent = resetId;
        }
        for (StreamEntry e : missed) {
            if (wants(e) && (lastSent == null || e.id().compareTo(lastSent) > 0)) {
                lastSent = e.id();
                write(Unpooled.wrappedBuffer(e.frame()), "device_revoked".equals(e.type()), false);
            }
        }
        List<StreamEntry> meanwhile = held;
        held = null;
        for (StreamEntry e : meanwhile) {
            if (lastSent == null || e.id().compareTo(lastSent) > 0) {
                lastSent = e.id();
                write(Unpooled.wrappedBuffer(e.frame()), "device_revoked".equals(e.type()), false);
            }
        }
    }

    /** A frame that is not a stream entry (heartbeat, reset after an outage); on the event loop, shared chunk. */
    void sendRaw(ByteBuf chunk, int frameLength) {
        writeChunk(chunk, frameLength, false);
    }

    /**
     * Writes a shared, already chunk-encoded frame ({@link Hub#shared}) straight below the HTTP
     * codec: the response is chunked and the codec has nothing else to do for its content, so
     * the per-stream encoding work of a fan-out disappears. Without the codec where expected,
     * the frame goes through it as usual.
     */
    private void writeChunk(ByteBuf chunk, int frameLength, boolean thenClose) {
        if (codec != null && !codec.isRemoved()) {
            write(chunk.retainedDuplicate(), thenClose, true);
        } else {
            int head = chunk.readableBytes() - frameLength - 2;
            write(chunk.retainedSlice(chunk.readerIndex() + head, frameLength), thenClose, false);
        }
    }

    /** Takes ownership of {@code frame}; {@code encoded}: it is a whole HTTP chunk already. */
    private void write(ByteBuf frame, boolean thenClose, boolean encoded) {
        if (!channel.isActive()) {
            frame.release();
            return;
        }
        if (!channel.isWritable()) {
            // a client that does not read: drop it; it resumes with Last-Event-ID and loses nothing
            frame.release();
            hub.slowClientDropped();
            channel.close();
            return;
        }
        if (encoded) {
            codec.writeAndFlush(frame, codec.voidPromise());
        } else {
            channel.writeAndFlush(new DefaultHttpContent(frame), channel.voidPromise());
        }
        if (thenClose) {
            // through the codec: the terminating zero-length chunk, after the frame
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
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

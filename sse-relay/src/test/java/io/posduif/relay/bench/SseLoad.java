package io.posduif.relay.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens many SSE streams with a handful of threads (Netty NIO client) and reports each event
 * name to a callback with its arrival time. Used in-process (latency) and as a separate
 * load-generator process (connection capacity), so the relay's file limit is all its own.
 */
public final class SseLoad implements AutoCloseable {

    /** Called on the client's event loop for every {@code event:} line. */
    public interface Listener {
        void event(int connection, String name, String line, long nanoTime, long epochMicros);
    }

    private final EventLoopGroup group = new NioEventLoopGroup(1);
    public final AtomicInteger open = new AtomicInteger();
    public final AtomicInteger failed = new AtomicInteger();
    public final AtomicInteger closed = new AtomicInteger();
    private final Listener listener;

    public SseLoad(Listener listener) {
        this.listener = listener;
    }

    /**
     * Opens one stream per path; at most {@code inFlight} handshakes at once. Returns when every
     * attempt has an outcome.
     */
    public void open(String host, int port, List<String> paths, List<String> tokens, int inFlight) throws InterruptedException {
        Semaphore permits = new Semaphore(inFlight);
        AtomicInteger outcomes = new AtomicInteger();
        for (int i = 0; i < paths.size(); i++) {
            permits.acquire();
            int index = i;
            String path = paths.get(i);
            String token = tokens.get(i);
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 20_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new Handler(index, permits, outcomes));
                        }
                    });
            b.connect(host, port).addListener(f -> {
                if (!f.isSuccess()) {
                    failed.incrementAndGet();
                    outcomes.incrementAndGet();
                    permits.release();
                    return;
                }
                Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
                req.headers().set(HttpHeaderNames.HOST, host + ":" + port);
                req.headers().set(HttpHeaderNames.ACCEPT, "text/event-stream");
                req.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
                ch.writeAndFlush(req);
            });
        }
        while (outcomes.get() < paths.size()) {
            Thread.sleep(20);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        private final int index;
        private final Semaphore permits;
        private final AtomicInteger outcomes;
        private boolean counted;
        private boolean ok;
        private final StringBuilder partial = new StringBuilder();

        Handler(int index, Semaphore permits, AtomicInteger outcomes) {
            this.index = index;
            this.permits = permits;
            this.outcomes = outcomes;
        }

        private void outcome(boolean success) {
            if (!counted) {
                counted = true;
                (success ? open : failed).incrementAndGet();
                outcomes.incrementAndGet();
                permits.release();
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                ok = r.status().code() == 200;
                if (!ok) {
                    outcome(false);
                }
            }
            if (msg instanceof HttpContent c && ok) {
                long nanos = System.nanoTime();
                java.time.Instant now = java.time.Instant.now();
                long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
                ByteBuf buf = c.content();
                partial.append(buf.toString(StandardCharsets.UTF_8));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    String line = partial.substring(0, nl);
                    partial.delete(0, nl + 1);
                    if (line.startsWith(": connected")) {
                        outcome(true);
                    } else if (line.startsWith("event: ")) {
                        listener.event(index, line.substring(7), line, nanos, micros);
                    } else if (line.startsWith("id: ")) {
                        listener.event(index, "id", line.substring(4), nanos, micros);
                    } else if (line.startsWith("data: ")) {
                        listener.event(index, "data", line.substring(6), nanos, micros);
                    }
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            outcome(false);
            closed.incrementAndGet();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
}

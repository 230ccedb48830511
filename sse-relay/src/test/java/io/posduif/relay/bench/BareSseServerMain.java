package io.posduif.relay.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The baseline: a bare Netty HTTP server that answers every request with an idle SSE stream
 * (HttpServerCodec + one shared handler, heartbeats from one timer). The relay's memory per
 * connection is compared with this, measured in the same run with the same JVM flags.
 */
public final class BareSseServerMain {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ChannelGroup all = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        byte[] connected = ": connected\n\n".getBytes(StandardCharsets.US_ASCII);
        byte[] heartbeat = ":heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);
        @ChannelHandler.Sharable
        class Sse extends SimpleChannelInboundHandler<HttpObject> {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                if (msg instanceof HttpRequest) {
                    DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
                    r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                    ctx.write(r);
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(connected)));
                    all.add(ctx.channel());
                }
            }
        }
        Sse sse = new Sse();
        NioEventLoopGroup boss = new NioEventLoopGroup(1);
        NioEventLoopGroup workers = new NioEventLoopGroup();
        new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), sse);
                    }
                }).bind(port).sync();
        workers.scheduleAtFixedRate(() -> {
            for (Channel c : all) {
                c.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(heartbeat)));
            }
        }, 15, 15, TimeUnit.SECONDS);
        System.out.println("LISTENING " + port);
        System.out.flush();
        Thread.currentThread().join();
    }
}

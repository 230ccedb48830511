package io.posduif.relay.sse;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import jakarta.inject.Singleton;

/**
 * Takes {@code /sse/*} requests out of Micronaut's request pipeline and hands the channel to
 * {@link SseEndpoint}; everything else ({@code /health}, {@code /prometheus}) goes on to
 * Micronaut unchanged.
 *
 * <p>Why not a Micronaut controller returning a {@code Publisher<Event>}: a long-lived stream
 * then keeps Micronaut's request state and a reactive chain per connection, several times the
 * memory of the socket itself, and Micronaut cannot write a bare {@code :heartbeat} comment.
 * Here an open stream is HttpServerCodec plus one small handler, close to a bare Netty server.
 */
@Singleton
@ChannelHandler.Sharable
final class SseRouter extends ChannelInboundHandlerAdapter implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

    static final String NAME = "posduif-sse-router";
    private static final String MICRONAUT = ChannelPipelineCustomizer.HANDLER_MICRONAUT_INBOUND;

    private final SseEndpoint endpoint;

    SseRouter(SseEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        event.getBean().register(new Customizer(null));
        return event.getBean();
    }

    private final class Customizer implements NettyServerCustomizer {
        private final Channel channel;

        Customizer(Channel channel) {
            this.channel = channel;
        }

        @Override
        public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
            return role == ChannelRole.CONNECTION ? new Customizer(channel) : this;
        }

        @Override
        public void onStreamPipelineBuilt() {
            if (channel != null && channel.pipeline().get(MICRONAUT) != null && channel.pipeline().get(NAME) == null) {
                channel.pipeline().addBefore(MICRONAUT, NAME, SseRouter.this);
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req && (req.uri().startsWith("/sse/") || req.uri().equals("/sse"))) {
            ChannelPipeline p = ctx.pipeline();
            Channel ch = ctx.channel();
            p.replace(this, SseEndpoint.PENDING, new SseEndpoint.Pending());
            if (p.get(MICRONAUT) != null) {
                // the connection now belongs to one stream; Micronaut's per-connection state goes away
                p.remove(MICRONAUT);
            }
            // Micronaut's idle-state handler only reports idleness to Micronaut's handler, gone now
            // (heartbeats keep streams alive and find dead peers); it cost a timer per stream and
            // a promise and listener per write. The WebSocket extension handler only serves
            // upgrades, which a stream never does. Both sat in the path of every fan-out write.
            for (String name : p.names()) {
                ChannelHandler h = p.get(name);
                if (h instanceof IdleStateHandler || h instanceof WebSocketServerExtensionHandler) {
                    p.remove(h);
                }
            }
            ch.config().setAutoRead(true);
            ReferenceCountUtil.release(msg);
            endpoint.open(ch, req);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}

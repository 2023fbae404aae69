package dev.clb.lb.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code max} client connections, counted across all event loops in one shared atomic. A connection beyond
 * the limit is answered 503 at once and closed; nothing it sends reaches the handlers behind this one, which never
 * see it become active.
 */
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private final AtomicInteger open;
    private final int max;
    private final boolean behindTls;
    private boolean admitted;

    /** {@code behindTls}: the 503 waits for the handshake, so that the client can read it (the handshake's timeout bounds the wait). */
    ConnectionLimit(AtomicInteger open, int max, boolean behindTls) {
        this.open = open;
        this.max = max;
        this.behindTls = behindTls;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            if (!behindTls) refuse(ctx);
            return;
        }
        admitted = true;
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!admitted && event instanceof SslHandshakeCompletionEvent handshake && handshake.isSuccess()) refuse(ctx);
        ctx.fireUserEventTriggered(event);
    }

    private void refuse(ChannelHandlerContext ctx) {
        ClosingError.send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "The load balancer has too many connections (limit " + max + "); try again later");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (admitted) {
            ctx.fireChannelRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (admitted) {
            admitted = false;
            open.decrementAndGet();
        }
        ctx.fireChannelInactive();
    }
}

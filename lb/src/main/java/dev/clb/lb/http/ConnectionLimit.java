package dev.clb.lb.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
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

    /**
     * {@code behindTls}: a connection over the limit is closed at once; a 503 it could read would first cost a handshake,
     * the work a flood of connections is refused to spare.
     */
    ConnectionLimit(AtomicInteger open, int max, boolean behindTls) {
        this.open = open;
        this.max = max;
        this.behindTls = behindTls;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            if (behindTls) {
                ctx.close();
            } else {
                ClosingError.send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "The load balancer has too many connections (limit " + max + "); try again later");
            }
            return;
        }
        admitted = true;
        ctx.fireChannelActive();
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

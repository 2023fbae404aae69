package dev.clb.lb.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP/2 streams in flight count against {@code --max-connections} with the client connections: each holds a
 * replica connection, as an HTTP/1 connection does, so that 128 streams on each of many connections cannot exhaust the
 * file descriptors that every client shares. A stream over the limit is reset with {@code REFUSED_STREAM}, which tells
 * the client it was not processed and may be sent again. The first handler of every stream.
 */
final class StreamLimit extends ChannelInboundHandlerAdapter {
    private final AtomicInteger open;
    private final int max;
    private boolean admitted;

    StreamLimit(AtomicInteger open, int max) {
        this.open = open;
        this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
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

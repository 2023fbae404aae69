package dev.clb.lb.edge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code max} client connections and HTTP/2 streams in flight together, counted across all event loops in one
 * shared atomic: a stream holds a replica connection as an HTTP/1 connection does, so 128 streams on each of many
 * connections must not exhaust the file descriptors every client shares. One beyond the limit is refused at once as
 * its {@link Refusal} says; nothing it sends reaches the handlers behind this one, which never see it become active.
 */
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    /** How one over the limit is told. */
    enum Refusal {
        /** A plain connection: 503 and close. */
        ANSWER,
        /** A TLS connection: closed before its handshake, since a 503 it could read would first cost the handshake the limit spares. */
        CLOSE,
        /** An HTTP/2 stream: reset with REFUSED_STREAM, which tells the client it was not processed and may be sent again. */
        REFUSE_STREAM
    }

    private final AtomicInteger open;
    private final int max;
    private final Refusal refusal;
    private boolean admitted;

    ConnectionLimit(AtomicInteger open, int max, Refusal refusal) {
        this.open = open;
        this.max = max;
        this.refusal = refusal;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            switch (refusal) {
                case ANSWER -> ClosingError.send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "The load balancer has too many connections (limit " + max + "); try again later");
                case CLOSE -> ctx.close();
                case REFUSE_STREAM -> ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
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

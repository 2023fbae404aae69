package dev.clb.lb.edge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * No gap between two pieces of a request body may be longer than the body timeout. On expiry the connection is
 * closed: with a 408 when this request is the only one in flight and no answer has begun, else without a word.
 * While the proxy has stopped reading (back-pressure) the gap does not count: the client is not the one waiting.
 */
final class BodyTimeout extends ChannelInboundHandlerAdapter {
    private final long timeoutNanos;
    private final Exchanges exchanges;
    private boolean inBody;
    private long lastPieceNanos;
    private ScheduledFuture<?> check;

    BodyTimeout(long timeoutMillis, Exchanges exchanges) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.exchanges = exchanges;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && !(msg instanceof LastHttpContent) && hasBody(request)) {
            inBody = true;
            lastPieceNanos = now(ctx);
            if (check == null) arm(ctx, timeoutNanos);
        } else if (msg instanceof HttpContent && inBody) {
            lastPieceNanos = now(ctx);
            if (msg instanceof LastHttpContent) inBody = false;
        }
        ctx.fireChannelRead(msg);
    }

    /** A head the codec refused has a framing it could not read, and no body pieces follow it. */
    private static boolean hasBody(HttpRequest request) {
        return request.decoderResult().isSuccess() && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (check != null) check.cancel(false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inBody = false;
        if (check != null) check.cancel(false);
        ctx.fireChannelInactive();
    }

    /** The event loop's clock, as Netty's own timeout handlers read it. */
    private static long now(ChannelHandlerContext ctx) {
        return ctx.executor().ticker().nanoTime();
    }

    private void arm(ChannelHandlerContext ctx, long delayNanos) {
        check = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        check = null;
        if (!inBody) return;
        long now = now(ctx);
        if (!ctx.channel().config().isAutoRead()) lastPieceNanos = now;
        long gap = now - lastPieceNanos;
        if (gap < timeoutNanos) {
            arm(ctx, timeoutNanos - gap);
            return;
        }
        inBody = false;
        if (exchanges.unanswered() <= 1 && !exchanges.answering()) {
            ClosingError.send(ctx, HttpResponseStatus.REQUEST_TIMEOUT,
                    "The request body stalled: nothing arrived for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        } else {
            ctx.close();
        }
    }
}

package dev.clb.lb.edge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes, without a word, a keep-alive connection that has had no request in flight and no bytes coming in for
 * the idle timeout. A request waiting for a slow replica, or an answer still being written, keeps it open. One
 * timer per connection, re-armed for the time left rather than on every read. Once the public port drains
 * ({@link Drain#STARTED}), the limit is the drain's grace, counted from then at the earliest.
 */
final class IdleTimeout extends ChannelInboundHandlerAdapter {
    private long timeoutNanos;
    private final Exchanges exchanges;
    private long lastReadNanos;
    private ScheduledFuture<?> check;

    IdleTimeout(long timeoutMillis, Exchanges exchanges) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.exchanges = exchanges;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        lastReadNanos = now(ctx);
        arm(ctx, timeoutNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastReadNanos = now(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        long graceNanos = TimeUnit.MILLISECONDS.toNanos(Drain.IDLE_GRACE_MILLIS);
        if (event == Drain.STARTED && timeoutNanos > graceNanos) {
            timeoutNanos = graceNanos;
            lastReadNanos = Math.max(lastReadNanos, now(ctx));
            if (check != null) check.cancel(false);
            arm(ctx, timeoutNanos);
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (check != null) check.cancel(false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
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
        if (exchanges.busy()) {
            arm(ctx, timeoutNanos);
            return;
        }
        long quiet = now(ctx) - Math.max(lastReadNanos, exchanges.lastAnsweredNanos());
        if (quiet >= timeoutNanos) {
            ctx.close();
        } else {
            arm(ctx, timeoutNanos - quiet);
        }
    }
}

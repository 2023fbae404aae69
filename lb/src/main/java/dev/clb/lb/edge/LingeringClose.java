package dev.clb.lb.edge;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection as nginx's {@code lingering_close} does. Closing a socket while the client is still
 * sending (the rest of a 100 KB header, the body of a refused request) makes the kernel answer with a reset, and the
 * client may then lose the answer it was just sent. So a close first shuts the output down (the client reads the
 * answer, then the end of the stream), then reads and drops, unparsed, whatever still comes, until the client
 * closes its side or {@link #LINGER_MILLIS} have passed. It sits before the codec, so nothing read meanwhile
 * reaches the handlers behind it.
 */
public final class LingeringClose extends ChannelDuplexHandler {
    public static final long LINGER_MILLIS = 2_000;

    private boolean closing;
    /**
     * The close's promise while this handler holds it; null once it is handed on. The transport completes a promise it
     * was given, and io_uring tells the channel inactive before its close completes: completing it here as well made
     * Netty's io_uring loop throw "complete already" in the middle of a batch of completions, and lose the rest.
     */
    private ChannelPromise held;
    private ScheduledFuture<?> limit;

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (closing || !(ctx.channel() instanceof DuplexChannel channel) || !channel.isActive() || channel.isOutputShutdown()) {
            ctx.close(promise);
            return;
        }
        closing = true;
        held = promise;
        channel.config().setAutoRead(true);
        channel.shutdownOutput().addListener(shut -> {
            if (shut.isSuccess()) {
                limit = ctx.executor().schedule(() -> handOn(ctx), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                handOn(ctx);
            }
        });
    }

    /** Closes the connection for real, with the promise held, unless the client's end already completed it. */
    private void handOn(ChannelHandlerContext ctx) {
        ChannelPromise promise = held;
        held = null;
        if (promise != null) ctx.close(promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!closing) {
            ctx.fireChannelRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!closing) ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (limit != null) limit.cancel(false);
        ChannelPromise promise = held;
        held = null;
        if (promise != null) promise.trySuccess();
        ctx.fireChannelInactive();
    }
}

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

    private ChannelPromise closing;
    private ScheduledFuture<?> limit;

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (closing != null || !(ctx.channel() instanceof DuplexChannel channel) || !channel.isActive() || channel.isOutputShutdown()) {
            ctx.close(promise);
            return;
        }
        closing = promise;
        channel.config().setAutoRead(true);
        channel.shutdownOutput().addListener(shut -> {
            if (shut.isSuccess()) {
                limit = ctx.executor().schedule(() -> ctx.close(closing), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                ctx.close(closing);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing == null) {
            ctx.fireChannelRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (closing == null) ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (closing != null) {
            if (limit != null) limit.cancel(false);
            closing.trySuccess();
        }
        ctx.fireChannelInactive();
    }
}

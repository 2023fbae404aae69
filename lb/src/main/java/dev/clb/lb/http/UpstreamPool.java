package dev.clb.lb.http;

import dev.clb.lb.core.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keep-alive connections to the replicas, one pool per event loop. A client connection and every replica
 * connection that serves it live on the same loop, so a request never changes threads and nothing here is
 * locked: every method must be called on {@link #loop}.
 */
final class UpstreamPool {
    static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
    private static final int MAX_IDLE_PER_BACKEND = 256;

    /** Receives exactly one of its two calls per {@link #send}, on the pool's loop. */
    interface Listener {
        /** The listener owns {@code response} and must release it. */
        void onResponse(FullHttpResponse response);

        void onFailure(Throwable cause);
    }

    /**
     * A pooled connection that the replica closed, as servers close idle ones, before it answered anything. If the
     * request was not {@code sent}, or is idempotent, it may go again on a fresh connection to the same replica.
     */
    static final class StaleConnectionException extends IOException {
        final boolean sent;

        StaleConnectionException(boolean sent) {
            super("pooled connection closed by the replica", null);
            this.sent = sent;
        }
    }

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Map<Backend, ArrayDeque<Channel>> idle = new HashMap<>();

    UpstreamPool(EventLoop loop, Class<? extends Channel> channelType, int connectTimeoutMillis) {
        this.loop = loop;
        this.bootstrap = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_RESPONSE_BYTES), new Call());
                    }
                });
    }

    /**
     * Sends {@code request} (whose reference this takes over) to {@code backend} on a pooled connection, or on a
     * new one; {@code timeoutMillis} (0: none) bounds the wait for the answer once the request is written.
     */
    void send(Backend backend, FullHttpRequest request, long timeoutMillis, Listener listener) {
        Channel pooled = takeIdle(backend);
        if (pooled != null) {
            pooled.pipeline().get(Call.class).start(pooled, backend, request, timeoutMillis, listener, true);
            return;
        }
        bootstrap.connect(backend.host(), backend.port()).addListener((ChannelFuture connected) -> {
            if (connected.isSuccess()) {
                connected.channel().pipeline().get(Call.class).start(connected.channel(), backend, request, timeoutMillis, listener, false);
            } else {
                request.release();
                listener.onFailure(connected.cause());
            }
        });
    }

    /** Closes the idle connections to {@code backend}: after one turned out stale, the others likely are too. */
    void discard(Backend backend) {
        ArrayDeque<Channel> channels = idle.remove(backend);
        if (channels != null) channels.forEach(Channel::close);
    }

    private Channel takeIdle(Backend backend) {
        ArrayDeque<Channel> channels = idle.get(backend);
        if (channels == null) return null;
        Channel channel;
        while ((channel = channels.pollLast()) != null) {
            if (channel.isActive()) return channel;
        }
        return null;
    }

    private void giveBack(Backend backend, Channel channel) {
        ArrayDeque<Channel> channels = idle.computeIfAbsent(backend, b -> new ArrayDeque<>());
        if (channels.size() < MAX_IDLE_PER_BACKEND) {
            channels.addLast(channel);
        } else {
            channel.close();
        }
    }

    /** The one exchange in flight on a replica connection, if any. */
    private final class Call extends ChannelInboundHandlerAdapter {
        private Backend backend;
        private Listener listener;
        private ScheduledFuture<?> timer;
        private boolean reused;
        private boolean sent;

        void start(Channel channel, Backend backend, FullHttpRequest request, long timeoutMillis, Listener listener, boolean reused) {
            this.backend = backend;
            this.listener = listener;
            this.reused = reused;
            this.sent = false;
            channel.writeAndFlush(request).addListener((ChannelFutureListener) written -> {
                if (!written.isSuccess()) {
                    fail(written.cause());
                    written.channel().close();
                    return;
                }
                sent = true;
                if (timeoutMillis > 0 && this.listener == listener) {
                    timer = loop.schedule(() -> {
                        fail(new TimeoutException("no answer within " + timeoutMillis + " ms"));
                        channel.close();
                    }, timeoutMillis, TimeUnit.MILLISECONDS);
                }
            });
        }

        private Listener finish() {
            Listener current = listener;
            listener = null;
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            return current;
        }

        private void fail(Throwable cause) {
            Listener current = finish();
            if (current == null) return;
            boolean stale = reused && (cause instanceof ClosedChannelException || cause instanceof IOException);
            current.onFailure(stale ? new StaleConnectionException(sent) : cause);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Backend from = backend;
            Listener current = finish();
            if (current == null || !(msg instanceof FullHttpResponse response)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (HttpUtil.isKeepAlive(response)) {
                giveBack(from, ctx.channel());
            } else {
                ctx.close();
            }
            current.onResponse(response);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail(new ClosedChannelException());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }
    }
}

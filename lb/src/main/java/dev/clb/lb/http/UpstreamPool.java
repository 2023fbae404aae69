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
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
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

    /** One request to a replica, as the pool sees it; every call comes on the pool's loop. */
    interface Listener {
        /**
         * The message to send to {@code to}; asked again (and the earlier one not answered) when a pooled connection
         * turns out to have been closed by the replica and the request may go once more on a fresh one.
         */
        FullHttpRequest request(Backend to);

        /** The listener owns {@code response} and must release it. Exactly one of this and {@link #onFailure} is called. */
        void onResponse(FullHttpResponse response);

        void onFailure(Throwable cause);
    }

    /** Methods that may be sent again after a failure that may have reached the replica. */
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.TRACE,
            HttpMethod.PUT, HttpMethod.DELETE);

    static boolean idempotent(HttpMethod method) {
        return IDEMPOTENT.contains(method);
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
     * Sends {@code listener}'s request to {@code backend} on a pooled connection, or on a new one; {@code timeoutMillis}
     * (0: none) bounds the wait for the answer once the request is written. A pooled connection the replica closed
     * before answering (as servers close idle ones) costs one more try on a fresh connection, when the request was not
     * written yet or is idempotent; the other idle connections to that replica are dropped too, as likely closed.
     */
    void send(Backend backend, long timeoutMillis, Listener listener) {
        Channel pooled = takeIdle(backend);
        if (pooled != null) {
            pooled.pipeline().get(Call.class).start(pooled, backend, timeoutMillis, listener, true);
        } else {
            connect(backend, timeoutMillis, listener);
        }
    }

    private void connect(Backend backend, long timeoutMillis, Listener listener) {
        bootstrap.connect(backend.host(), backend.port()).addListener((ChannelFuture connected) -> {
            if (connected.isSuccess()) {
                connected.channel().pipeline().get(Call.class).start(connected.channel(), backend, timeoutMillis, listener, false);
            } else {
                listener.onFailure(connected.cause());
            }
        });
    }

    private void discardIdle(Backend backend) {
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
        private long timeoutMillis;
        private boolean reused;
        private boolean idempotent;
        private boolean sent;

        void start(Channel channel, Backend backend, long timeoutMillis, Listener listener, boolean reused) {
            FullHttpRequest request = listener.request(backend);
            this.backend = backend;
            this.listener = listener;
            this.timeoutMillis = timeoutMillis;
            this.reused = reused;
            this.idempotent = idempotent(request.method());
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
            if (reused && cause instanceof IOException && (!sent || idempotent)) {
                discardIdle(backend);
                connect(backend, timeoutMillis, current);
            } else {
                current.onFailure(cause);
            }
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
            fail(new IOException("the replica closed the connection before it answered"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }
    }
}

package dev.clb.lb.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The public port's graceful stop, connection by connection, as nginx's graceful quit, without its race on idle
 * keep-alive connections. Once {@link #start} is called (the listener is closed by then):
 * <ul>
 * <li>the answer to the last request a connection owes goes out with {@code Connection: close}, and the connection
 * closes (lingering) once that answer is written whole; a request the client sends after it was told is dropped
 * unread (it never reaches the proxy, so nothing was done with it), while the rest of the body of the request being
 * answered still goes on;</li>
 * <li>a connection with nothing in flight is closed only after no byte has come in on it for {@link #IDLE_GRACE_MILLIS}
 * since the drain began, its last read or its last answer: a client that was between two requests at SIGTERM, and
 * sends its next one on the connection it has, gets it answered (with {@code Connection: close}) instead of a reset
 * or an end of stream under a request it had already sent. Closing idle connections at once, as nginx does, loses
 * exactly those.</li>
 * </ul>
 * {@link #open} counts the client connections not closed yet; the load balancer waits for none to be left, at most
 * {@code --drain-timeout}. An upgraded connection (a tunnel) keeps its place in the count until either side closes it.
 */
final class Drain {
    static final long IDLE_GRACE_MILLIS = 1_000;
    private static final long IDLE_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(IDLE_GRACE_MILLIS);

    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile long startNanos;
    private volatile boolean started;

    /** The handler of one client connection; it goes between the connection limit and {@link Exchanges}. */
    Connection connection(Exchanges exchanges) {
        return new Connection(exchanges);
    }

    /** Every connection open, and any accepted from now on, drains. */
    void start() {
        startNanos = System.nanoTime();
        started = true;
        for (Connection connection : connections) connection.ctx.executor().execute(connection::drain);
    }

    /** Client connections not closed yet. */
    int open() {
        return connections.size();
    }

    final class Connection extends ChannelDuplexHandler {
        private final Exchanges exchanges;
        private ChannelHandlerContext ctx;
        // the fields below belong to the connection's event loop
        private boolean draining;
        private boolean toldToClose;
        private boolean dropping;
        private boolean removed;
        private long lastReadNanos;
        private ScheduledFuture<?> check;

        private Connection(Exchanges exchanges) {
            this.exchanges = exchanges;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connections.add(this);
            ctx.channel().closeFuture().addListener(closed -> connections.remove(this));
            ctx.fireChannelActive();
            if (started) drain();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (toldToClose && msg instanceof HttpRequest) dropping = true; // the rest of a request being answered still passes
            if (dropping) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (draining) lastReadNanos = System.nanoTime();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (draining && !toldToClose && msg instanceof HttpResponse response && response.status().codeClass() != HttpStatusClass.INFORMATIONAL
                    && exchanges.unanswered() <= 1) {
                toldToClose = true;
                HttpUtil.setKeepAlive(response, false);
                ctx.write(msg, promise);
                exchanges.whenAllAnswered(ctx::close); // Exchanges has counted this answer as started: it waits for its end
                return;
            }
            ctx.write(msg, promise);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            removed = true;
            if (check != null) check.cancel(false);
        }

        private void drain() {
            if (draining || removed || !ctx.channel().isActive()) return;
            draining = true;
            lastReadNanos = startNanos;
            closeWhenIdle();
        }

        private void closeWhenIdle() {
            check = null;
            if (toldToClose || removed || !ctx.channel().isActive()) return;
            if (exchanges.busy()) { // its answer will say close; if it started before the drain, the grace counts from its end
                exchanges.whenAllAnswered(this::closeWhenIdle);
                return;
            }
            long left = IDLE_GRACE_NANOS - (System.nanoTime() - Math.max(lastReadNanos, exchanges.lastAnsweredNanos()));
            if (left <= 0) {
                toldToClose = true;
                ctx.close();
            } else {
                check = ctx.executor().schedule(this::closeWhenIdle, left, TimeUnit.NANOSECONDS);
            }
        }
    }
}

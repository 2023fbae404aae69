package dev.clb.lb.edge;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The public port's graceful stop, connection by connection, as nginx's graceful quit, without its race on idle
 * keep-alive connections. Once {@link #start} is called (the listener is closed by then):
 * <ul>
 * <li>the answer to the last request a connection owes goes out with {@code Connection: close}, and the connection
 * closes (lingering) once that answer is written whole; a request the client sends after it was told is dropped
 * unread (it never reaches the proxy, so nothing was done with it), while the rest of the body of the request being
 * answered still goes on;</li>
 * <li>a connection with nothing in flight is closed once no byte has come in on it for {@link #IDLE_GRACE_MILLIS}
 * (or the idle timeout, if shorter) since the drain began, its last read or its last answer: its {@link IdleTimeout},
 * shortened to that. A client that was between two requests at SIGTERM, and sends its next one on the connection it
 * has, gets it answered (with {@code Connection: close}) instead of a reset or an end of stream under a request it
 * had already sent. Closing idle connections at once, as nginx does, loses exactly those.</li>
 * </ul>
 * {@link #open} counts the client connections not closed yet; the load balancer waits for none to be left, at most
 * {@code --drain-timeout}. An upgraded connection (a tunnel) keeps its place in the count until either side closes it.
 */
public final class Drain {
    public static final long IDLE_GRACE_MILLIS = 1_000;
    /** The user event that tells a connection's handlers the drain has begun; {@link IdleTimeout} shortens its limit to the grace. */
    static final Object STARTED = "drain started";

    private final ChannelGroup connections = new DefaultChannelGroup("client connections", GlobalEventExecutor.INSTANCE);
    private volatile boolean started;

    /** The handler of one client connection; it goes between the connection limit and {@link Exchanges}. */
    Connection connection(Exchanges exchanges) {
        return new Connection(exchanges);
    }

    /** Every connection open, and any accepted from now on, drains. */
    public void start() {
        started = true;
        for (Channel channel : connections) channel.eventLoop().execute(() -> channel.pipeline().fireUserEventTriggered(STARTED));
    }

    /** Whether {@link #start} was called: a connection that becomes HTTP/2 after it drains at once. */
    boolean started() {
        return started;
    }

    /** Client connections not closed yet. */
    public int open() {
        return connections.size();
    }

    final class Connection extends ChannelDuplexHandler {
        private final Exchanges exchanges;
        // the fields below belong to the connection's event loop
        private boolean draining;
        private boolean toldToClose;
        private boolean dropping;

        private Connection(Exchanges exchanges) {
            this.exchanges = exchanges;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connections.add(ctx.channel()); // and out of the group once closed
            ctx.fireChannelActive();
            if (started) userEventTriggered(ctx, STARTED);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == STARTED) {
                if (draining || !ctx.channel().isActive()) return;
                draining = true;
            }
            ctx.fireUserEventTriggered(event);
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
    }
}

package dev.clb.lb.upstream;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.LatencyWindow;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaLoop;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keep-alive connections to the replicas, one pool per event loop. A client connection and every replica
 * connection that serves it live on the same loop, so a request never changes threads and nothing here is
 * locked: every method must be called on {@link #loop}. The pool keeps no map of replicas: each replica keeps its
 * state on this loop (idle connections, latency, hung tracking) in its own {@link ReplicaLoop}, slot {@link #slot}.
 */
public final class UpstreamPool {
    private static final int MAX_IDLE_PER_BACKEND = 256;
    /** Body slices handed on per message: one socket read's worth, not Netty's default 8 KiB. */
    private static final int MAX_CHUNK_BYTES = 64 * 1024;
    /**
     * The trailers of an answer's last piece, made for every answer with a body and almost always left empty: Netty's
     * smallest map (2 buckets, its own empty size) with the trailers' usual checks, rather than a 16-bucket one.
     */
    private static final HttpHeadersFactory TRAILERS = new HttpHeadersFactory() {
        @Override
        public HttpHeaders newHeaders() {
            return DefaultHttpHeadersFactory.trailersFactory().newEmptyHeaders();
        }

        @Override
        public HttpHeaders newEmptyHeaders() {
            return DefaultHttpHeadersFactory.trailersFactory().newEmptyHeaders();
        }
    };

    /** One request to a replica, as the pool sees it; every call comes on the pool's loop. */
    public interface Listener {
        /**
         * The head to send, with {@code host} as its Host header (the replica's address); asked again (and the earlier attempt
         * forgotten) when a pooled connection turns out to have been closed by the replica and the request goes once
         * more on a fresh one.
         */
        HttpRequest head(AsciiString host);

        /** Whether the body sent so far can be sent again, so that a fresh connection may be tried. */
        boolean replayable();

        /**
         * Asked once the whole request went to {@code to}: how long it may wait for the answer's head before the attempt
         * fails and the request goes elsewhere; 0 for no deadline but the timeout. {@code recent} is what the replica's
         * recent answers suggest. Asked also when a new connection is opened for the request: it bounds the connect
         * too (a hung replica's accept queue fills up, and a connect then waits for the connect timeout).
         */
        long deadlineMillis(Replica to, LatencyWindow recent);

        /** {@code call} carries the request now, its head written: the listener writes the body through it. */
        void attached(Call call);

        /** The answer's head; 1xx other than 101 never come here. */
        void onHead(HttpResponse head);

        /**
         * A piece of the answer, which the listener owns; a {@link LastHttpContent} ends it and the call with it.
         * Exactly one of that and {@link #onFailure} ends a call.
         */
        void onContent(HttpContent content);

        void onFailure(Throwable cause);

        /** The replica's read batch ended: time to flush what went to the client. */
        void flush();

        /** The connection to the replica can take more of the request body. */
        void writable();
    }


    private final EventLoop loop;
    private final int slot;
    private final int connectTimeoutMillis;
    private final Bootstrap bootstrap;
    private Ring<Replica> ringSeen;

    /**
     * {@code transport} says how a connection is opened (the channel type, how a hostname is resolved, the buffers the
     * client connections have too); the pool opens its connections on {@code loop}, with the options and handlers below.
     * {@code slot} is the loop's index among the server's loops: where each replica keeps its state on this loop.
     */
    public UpstreamPool(EventLoop loop, int slot, Bootstrap transport, int connectTimeoutMillis) {
        this.loop = loop;
        this.slot = slot;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.bootstrap = transport.clone(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                // a replica that answers early and closes (a refused upload) must not cost its answer: a failed write
                // only shuts our output down, and the answer is still read
                .option(ChannelOption.AUTO_CLOSE, false)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(new HttpDecoderConfig().setMaxChunkSize(MAX_CHUNK_BYTES).setTrailersFactory(TRAILERS), false, false),
                                new Call(ch));
                    }
                });
    }

    /**
     * Sends {@code listener}'s request to {@code backend} on a pooled connection, or on a new one; {@code timeoutMillis}
     * (0: none) bounds how long the replica may stay silent once the request is written. A pooled connection the
     * replica closed before answering (as servers close idle ones) costs one more try on a fresh connection, when the
     * request was not written yet or is idempotent, and its body can be sent again; the other idle connections to that
     * replica are dropped too, as likely closed.
     */
    public void send(Replica replica, long timeoutMillis, Listener listener) {
        Channel pooled = replica.on(slot).takeIdle();
        if (pooled != null) {
            pooled.pipeline().get(Call.class).start(replica, timeoutMillis, listener, true);
        } else {
            connect(replica, timeoutMillis, listener);
        }
    }

    private void connect(Replica replica, long timeoutMillis, Listener listener) {
        ChannelFuture connecting = bootstrap.connect(replica.address().host(), replica.address().port());
        ReplicaLoop upstream = replica.on(slot);
        long deadlineMillis = listener.deadlineMillis(replica, upstream.latency());
        if (deadlineMillis > 0 && deadlineMillis < connectTimeoutMillis) connectDeadline(connecting, upstream, deadlineMillis, deadlineMillis);
        connecting.addListener((ChannelFuture connected) -> {
            if (connected.isSuccess()) {
                connected.channel().pipeline().get(Call.class).start(replica, timeoutMillis, listener, false);
            } else if (connected.isCancelled()) {
                upstream.hung().hung(now(), deadlineMillis);
                listener.onFailure(new ConnectTimeoutException("no connection within " + deadlineMillis
                        + " ms (the attempt's deadline): the replica accepts none"));
            } else {
                listener.onFailure(connected.cause());
            }
        });
    }

    /**
     * Gives up on {@code connecting} once it took the deadline while the replica answered no one on this loop for as
     * long: hung, not merely busy (a replica whose accept queue overflows under a burst of connections still answers
     * on the connections it has, and sending its requests elsewhere would only spread the burst).
     */
    private void connectDeadline(ChannelFuture connecting, ReplicaLoop upstream, long deadlineMillis, long delayMillis) {
        loop.schedule(() -> {
            if (connecting.isDone()) return;
            long quiet = upstream.hung().quietMillis(now());
            if (quiet >= deadlineMillis) {
                connecting.cancel(false);
            } else {
                connectDeadline(connecting, upstream, deadlineMillis, Math.max(deadlineMillis - quiet, deadlineMillis / 4));
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Whether {@code replica} seems hung on this loop (see {@link dev.clb.lb.backend.HungTracking#seemsHung}). */
    public boolean seemsHung(Replica replica) {
        return replica.on(slot).hung().seemsHung(now());
    }

    /**
     * Once per new ring: the replicas that were in the ring this pool saw last and are not in {@code ring} have their idle
     * connections on this loop closed, and a call in flight to one closes its connection when it ends (a retry picks
     * from the ring its request started with, which can be older). Nothing else needs cleaning: the rest of a replica's
     * state on this loop is on the replica, and goes with it. The admin server is in no ring and stays.
     */
    public void ringIs(Ring<Replica> ring) {
        if (ring == ringSeen) return;
        Ring<Replica> before = ringSeen;
        ringSeen = ring;
        Set<Replica> now = new HashSet<>(); // by identity: Replica does not override equals
        for (Node<Replica> node : ring.nodes()) {
            now.add(node.value());
            node.value().on(slot).joined();
        }
        if (before == null) return;
        for (Node<Replica> node : before.nodes()) {
            if (!now.contains(node.value())) node.value().on(slot).left();
        }
    }

    /** The loop's clock: its ticker, which a test's event loop can move on. */
    private long now() {
        return loop.ticker().nanoTime();
    }

    /**
     * The one exchange in flight on a replica connection, if any, and the handle its listener writes the request body
     * through. A listener must drop its handle once the call ended (last content or failure): the connection goes on
     * to serve others.
     */
    public final class Call extends ChannelInboundHandlerAdapter implements ChannelFutureListener {
        private final Channel channel;
        private final Runnable timeUp = this::timeUp;
        private Replica replica;
        private ReplicaLoop upstream;
        private Listener listener;
        private Listener toFlush;
        /**
         * One timer per connection, left pending when a call ends and used by the next: scheduling and cancelling one
         * per request cost the event loop more than the rare early wake-up that re-arms it for the time left.
         */
        private ScheduledFuture<?> timer;
        private long timerDueNanos;
        /** This call's clock runs: from the end of its request (or a failed write) until it ends. */
        private boolean timed;
        private long timeoutMillis;
        private long deadlineMillis;
        private long requestEndedNanos;
        private long lastActivityNanos;
        private boolean reused;
        private boolean idempotent;
        private boolean sent;
        private boolean requestEnded;
        private boolean answering;
        private boolean keepAlive;
        private boolean upgraded;
        private boolean informational;
        private boolean dirty;

        Call(Channel channel) {
            this.channel = channel;
        }

        void start(Replica replica, long timeoutMillis, Listener listener, boolean reused) {
            HttpRequest head = listener.head(replica.hostHeader());
            this.replica = replica;
            this.upstream = replica.on(slot);
            this.listener = listener;
            this.timeoutMillis = timeoutMillis;
            this.deadlineMillis = 0;
            this.reused = reused;
            this.idempotent = RetryPolicy.idempotent(head.method());
            this.sent = false;
            this.requestEnded = false;
            this.answering = false;
            this.upgraded = false;
            this.informational = false;
            channel.write(head).addListener(this);
            dirty = true;
            listener.attached(this);
        }

        /** The head's write (and the body's last): once the head went out, the replica may have seen the request. */
        @Override
        public void operationComplete(ChannelFuture written) {
            if (written.isSuccess()) {
                sent = true;
            } else {
                writeFailed();
            }
        }

        /** A piece of the request body; ownership passes to the connection. Ignored once the call ended. */
        public void write(HttpContent content) {
            if (listener == null) {
                content.release();
                return;
            }
            dirty = true;
            if (content instanceof LastHttpContent) {
                requestEnded = true;
                requestEndedNanos = now();
                deadlineMillis = listener.deadlineMillis(replica, upstream.latency());
                channel.write(content).addListener(this);
                armTimer();
            } else {
                channel.write(content);
            }
        }

        public void flush() {
            if (dirty) {
                dirty = false;
                channel.flush();
            }
        }

        public Channel channel() {
            return channel;
        }

        public boolean isWritable() {
            return channel.isWritable();
        }

        /** Backpressure from the client: stop or resume reading the answer. */
        public void reading(boolean read) {
            if (listener != null) channel.config().setAutoRead(read);
        }

        /** The client went away: the connection, mid-exchange, cannot serve anyone else. */
        public void abandon() {
            if (finish() != null) channel.close();
        }

        /**
         * After a 101 answer: this connection leaves the pool and carries raw bytes to and from {@code client} until
         * either closes.
         */
        public void tunnelTo(Channel client) {
            finish();
            stopTimer();
            channel.config().setAutoRead(true);
            channel.pipeline().replace(this, "tunnel", new Tunnel(client));
            channel.pipeline().remove(HttpClientCodec.class);
        }

        private void writeFailed() {
            // the answer may still come (a replica refusing an upload answers and closes); the timer bounds the wait
            if (!answering) armTimer();
        }

        private void armTimer() {
            if (timed || listener == null) return;
            long first = deadlineMillis > 0 && (timeoutMillis <= 0 || deadlineMillis < timeoutMillis) ? deadlineMillis : timeoutMillis;
            if (first <= 0) return;
            timed = true;
            lastActivityNanos = now();
            wakeIn(lastActivityNanos, first);
        }

        /** Makes the timer fire in {@code millis} at the latest; a pending one that fires sooner is left as it is. */
        private void wakeIn(long now, long millis) {
            long due = now + TimeUnit.MILLISECONDS.toNanos(millis);
            if (timer != null) {
                if (timerDueNanos - due <= 0) return;
                timer.cancel(false);
            }
            timerDueNanos = due;
            timer = loop.schedule(timeUp, millis, TimeUnit.MILLISECONDS);
        }

        private void stopTimer() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        /**
         * The replica said nothing for the timeout (time the client's backpressure holds it does not count); or, before
         * the answer's head, past the deadline, and it has answered no one on this loop meanwhile: hung, not merely slow
         * (a slow or overloaded replica keeps answering others, and sending its requests elsewhere would only add load).
         */
        private void timeUp() {
            timer = null;
            if (!timed || listener == null) return;
            long now = now();
            if (!channel.config().isAutoRead()) lastActivityNanos = now;
            long quiet = TimeUnit.NANOSECONDS.toMillis(now - lastActivityNanos);
            if (timeoutMillis > 0 && quiet >= timeoutMillis) {
                fail(new TimeoutException("no answer within " + timeoutMillis + " ms"));
                channel.close();
                return;
            }
            boolean awaitingHead = !answering && deadlineMillis > 0;
            if (awaitingHead && quiet >= deadlineMillis && upstream.hung().quietMillis(now) >= deadlineMillis) {
                upstream.hung().hung(now, deadlineMillis);
                fail(new AttemptDeadlineException(deadlineMillis));
                channel.close();
                return;
            }
            long next = timeoutMillis > 0 ? timeoutMillis - quiet : Long.MAX_VALUE;
            if (awaitingHead) next = Math.min(next, Math.max(deadlineMillis - quiet, deadlineMillis / 4));
            if (next != Long.MAX_VALUE) wakeIn(now, Math.max(1, next));
        }

        private Listener finish() {
            Listener current = listener;
            listener = null;
            timed = false;
            return current;
        }

        private void fail(Throwable cause) {
            boolean started = answering;
            Listener current = finish();
            if (current == null) return;
            if (RetryPolicy.againOnFreshConnection(reused, started, cause, sent, idempotent, current.replayable())) {
                upstream.closeIdle();
                connect(replica, timeoutMillis, current);
            } else {
                current.onFailure(cause);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Listener current = listener;
            if (current == null) { // nothing was asked on this connection: it cannot be trusted with the next request
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            if (((HttpObject) msg).decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                fail(((HttpObject) msg).decoderResult().cause());
                ctx.close();
                return;
            }
            if (timed) lastActivityNanos = now();
            toFlush = current;
            if (msg instanceof HttpResponse head) {
                int status = head.status().code();
                if (status < 200 && status != 101) { // 100 Continue and the like: the real answer follows
                    informational = true;
                    ReferenceCountUtil.release(msg);
                    return;
                }
                answering = true;
                upgraded = status == 101;
                long now = now();
                upstream.hung().answered(now);
                if (requestEnded && !upgraded) upstream.latency().add(now - requestEndedNanos);
                keepAlive = HttpUtil.isKeepAlive(head);
                current.onHead(head);
                if (!(msg instanceof HttpContent)) return;
            }
            if (informational) {
                informational = !(msg instanceof LastHttpContent);
                ReferenceCountUtil.release(msg);
                return;
            }
            HttpContent content = (HttpContent) msg;
            boolean spent = false;
            if (content instanceof LastHttpContent && !upgraded) {
                ReplicaLoop from = upstream;
                finish();
                if (keepAlive && requestEnded) {
                    from.giveBack(ctx.channel(), MAX_IDLE_PER_BACKEND);
                } else {
                    spent = true; // a replica closing after this answer, or one that came before the whole request went out
                }
            }
            current.onContent(content);
            if (spent) {
                flushPending();
                ctx.close();
            }
        }

        /**
         * Sends on what this connection's reads gave the client. Normally once per read batch; a connection that closes
         * may end its batch without a read-complete event (io_uring's does), so closing flushes first.
         */
        private void flushPending() {
            Listener current = toFlush;
            if (current != null) {
                toFlush = null;
                current.flush();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            flushPending();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (listener != null && ctx.channel().isWritable()) listener.writable();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            flushPending();
            stopTimer();
            fail(new IOException("the replica closed the connection before it answered"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
            ctx.close();
        }
    }
}

package dev.clb.lb.edge;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.List;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The public port's defences against hostile or broken clients, as pipeline handlers between the HTTP codec and
 * the proxy (and a {@link LingeringClose} before the codec): each does one job, looks at request heads and body
 * pieces without aggregating, and passes everything on. A bad request is marked with a {@link RejectedRequest}
 * for the proxy to answer in turn; only where there is no request (a head that never came, a connection too many)
 * does a handler answer by itself.
 */
public final class ClientEdge {
    /** The request line, as nginx's {@code large_client_header_buffers}; longer gets 414. */
    public static final int MAX_REQUEST_LINE_BYTES = 8 * 1024;
    /** All header lines together; more gets 431. */
    public static final int MAX_HEADER_BYTES = 32 * 1024;
    /** Body slices handed on per message: one socket read's worth, not Netty's default 8 KiB. */
    static final int MAX_BODY_PIECE_BYTES = 64 * 1024;

    private final Supplier<EdgePolicy> policies;
    private final Drain drain;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final RequestChecks checks = new RequestChecks(List.of(new TransferEncodingCheck(), new HostHeaderCheck(), new RequestTargetCheck()));

    /** {@code policies}: the limits and the rate limit (if any) of the next connection, read once as it opens. */
    public ClientEdge(Supplier<EdgePolicy> policies, Drain drain) {
        this.policies = policies;
        this.drain = drain;
    }

    /**
     * What HTTP/2 streams in flight count against: the same budget as connections ({@code --max-connections}), since a
     * stream holds a replica connection as an HTTP/1 connection does.
     */
    public AtomicInteger streamBudget() {
        return openConnections;
    }

    static HttpServerCodec codec() {
        return new HttpServerCodec(new HttpDecoderConfig().setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES).setMaxHeaderSize(MAX_HEADER_BYTES)
                .setMaxChunkSize(MAX_BODY_PIECE_BYTES));
    }

    /**
     * Adds the codec and the handlers around it; the proxy goes after them. {@code protocol} goes between the lingering
     * close and the codec: the TLS handshake if any (after the lingering close, so that a close sends TLS's close_notify
     * before the output is shut), and the handler that may turn the connection into an HTTP/2 one instead
     * ({@link PriorKnowledge}, {@link AlpnSwitch}). {@code behindTls}: the connection can carry HTTP only once its
     * handshake is done (which has its own timeout), so the header timeout starts then, and a connection over the
     * limit is closed at once rather than answered after a handshake it would cost.
     */
    public void addTo(ChannelPipeline pipeline, boolean behindTls, ChannelHandler... protocol) {
        EdgePolicy policy = policies.get();
        ClientLimits limits = policy.limits();
        Exchanges exchanges = new Exchanges();
        pipeline.addLast(new LingeringClose());
        pipeline.addLast(protocol);
        pipeline.addLast(codec(), new ConnectionLimit(openConnections, limits.maxConnections(), behindTls ? ConnectionLimit.Refusal.CLOSE : ConnectionLimit.Refusal.ANSWER),
                drain.connection(exchanges), exchanges,
                new HeaderTimeout(limits.headerTimeoutMillis(), exchanges, behindTls), new IdleTimeout(limits.idleTimeoutMillis(), exchanges),
                new BodyTimeout(limits.bodyTimeoutMillis(), exchanges), checks);
        policy.rateLimit().ifPresent(limit -> pipeline.addLast(limit));
    }

    /** After an upgrade the connection carries bytes, not HTTP: the codec and the HTTP-level handlers leave. */
    public static void leaveHttp(ChannelPipeline pipeline) {
        for (Class<? extends ChannelHandler> http : List.of(HttpServerCodec.class, Drain.Connection.class, Exchanges.class, HeaderTimeout.class, IdleTimeout.class,
                BodyTimeout.class, RequestChecks.class, RateLimit.class)) {
            if (pipeline.get(http) != null) pipeline.remove(http);
        }
    }
}

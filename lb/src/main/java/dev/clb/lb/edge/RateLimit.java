package dev.clb.lb.edge;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Per-client rate limits ({@code --rate-limit}, {@code --rate-burst}): every request head takes a token from its
 * client's bucket ({@link ClientBuckets}, one table for all loops and ports); one that finds none is marked with a 429
 * {@link RejectedRequest} for the proxy to answer in its turn, with {@code Retry-After}, and is never forwarded. Admin
 * paths count as any other: the limit is there to keep one client from taking the capacity every client shares.
 *
 * <p>A 429 keeps the connection (closing it would only make the client open another, which costs more), so it may
 * only be given to a request whose end is certain: this handler sits after the {@link RequestChecks}, which refuse
 * ambiguous framing and close, and it looks only at heads the codec and the checks let through. Time is the event
 * loop's ticker. The client is the socket's peer, or the address a trusted proxy forwarded ({@link TrustedProxies}); an
 * IPv6 client is its /64 ({@link ClientBuckets}).
 */
@ChannelHandler.Sharable
public final class RateLimit extends ChannelInboundHandlerAdapter {
    /** Client buckets kept at most; see {@link ClientBuckets} for what eviction means to a client. */
    public static final int MAX_CLIENTS = 65_536;
    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final RequestRate rate;
    private final TrustedProxies proxies;
    private final ClientBuckets buckets;
    private final Runnable refused;

    /** {@code refused}: told of each request refused, on the event loop, so quick. */
    public RateLimit(RequestRate rate, TrustedProxies proxies, Runnable refused) {
        this.rate = rate;
        this.proxies = proxies;
        this.buckets = new ClientBuckets(rate, MAX_CLIENTS);
        this.refused = refused;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // a peer with no IP address (none comes to a TCP port) is not limited
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess() && ctx.channel().remoteAddress() instanceof InetSocketAddress peer) {
            InetAddress client = proxies.clientOf(peer, request.headers());
            long waitNanos = buckets.take(client, ctx.executor().ticker().nanoTime());
            if (waitNanos > 0) {
                refused.run();
                long seconds = Math.max(1, (waitNanos + SECOND_NANOS - 1) / SECOND_NANOS);
                HttpHeaders retry = new DefaultHttpHeaders().set(HttpHeaderNames.RETRY_AFTER, seconds);
                request.setDecoderResult(DecoderResult.failure(RejectedRequest.keepingConnection(HttpResponseStatus.TOO_MANY_REQUESTS,
                        "Too many requests from " + ClientBuckets.clientName(client) + ": the limit is " + rate + "; retry after " + seconds + " s", retry)));
            }
        }
        ctx.fireChannelRead(msg);
    }
}

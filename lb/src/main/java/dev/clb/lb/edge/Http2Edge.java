package dev.clb.lb.edge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Turns a client connection into an HTTP/2 one (after ALPN chose h2, or on the h2c preface) and serves each stream
 * as the HTTP/1 path serves a connection with one request: every stream is a child channel whose frames become
 * {@code HttpObject}s for a handler of its own (the proxy's, from {@link RequestHandlers}), routed by its own id over the event loop's HTTP/1.1 pool.
 * A stream's child channel stops reading while its replica cannot take more, and Netty then withholds the stream's
 * window updates: HTTP/2 flow control is the backpressure the HTTP/1 path has.
 *
 * <p>Hardening is Netty's, set here: at most {@code --h2-max-streams} concurrent streams (more are refused), header lists
 * up to {@link ClientEdge#MAX_HEADER_BYTES} (larger get 431), at most 200 resets in 30 s from the client (Rapid
 * Reset, CVE-2023-44487) and few small CONTINUATION frames (the 2024 floods), header names and values (no CR, LF or
 * NUL, which forwarded on HTTP/1.1 would split a header or a request in two), pseudo-headers and connection-specific
 * headers validated, and a content-length that disagrees with the data failing its stream before the excess is passed
 * on. Http2HardeningTest holds each of these on the wire.
 */
public final class Http2Edge {
    /**
     * The connection's receive window: 16 streams' worth (Netty's default is one stream's, 64 KiB), so that an upload
     * held back by a slow replica leaves room for the connection's other streams; each stream keeps its own 64 KiB.
     */
    private static final int CONNECTION_WINDOW = 16 * Http2CodecUtil.DEFAULT_WINDOW_SIZE;
    private static final int MAX_RESETS = 200;
    private static final int RESET_WINDOW_SECONDS = 30;
    private static final int MAX_SMALL_CONTINUATIONS = 16;

    private final Supplier<EdgePolicy> policies;
    private final AtomicInteger streamBudget;
    private final Drain drain;
    private final RequestHandlers requests;
    private final Http2StreamFrameToHttpObjectCodec frames = new Http2StreamFrameToHttpObjectCodec(true);
    private final Http2RequestHeads heads = new Http2RequestHeads();
    private final RequestChecks checks = new RequestChecks(List.of(new HostHeaderCheck(), new RequestTargetCheck()));

    /**
     * {@code streamBudget}: what streams in flight count against, with the client connections, up to {@code --max-connections};
     * {@code policies}: the limits and the per-client rate limit (if any) of a connection, read once as it becomes HTTP/2.
     */
    public Http2Edge(Supplier<EdgePolicy> policies, AtomicInteger streamBudget, Drain drain, RequestHandlers requests) {
        this.policies = policies;
        this.streamBudget = streamBudget;
        this.drain = drain;
        this.requests = requests;
    }

    /** Replaces the HTTP/1 handlers of {@code pipeline}'s connection by the HTTP/2 codec and its streams. */
    void takeOver(ChannelPipeline pipeline, ClientSide side) {
        ClientEdge.leaveHttp(pipeline);
        pipeline.remove(RequestHandlers.NAME);
        ClientSide streams = side.overHttp2(pipeline.channel());
        EdgePolicy policy = policies.get();
        ClientLimits limits = policy.limits();
        Http2FrameCodec codec = codec(limits);
        pipeline.addLast(new IdleStateHandler(0, 0, limits.idleTimeoutMillis(), TimeUnit.MILLISECONDS), codec,
                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        // a stream's body that stalls is cut as a connection's is: 408, then the stream is reset
                        Exchanges exchanges = new Exchanges();
                        ChannelPipeline handlers = stream.pipeline();
                        handlers.addLast(new ConnectionLimit(streamBudget, limits.maxConnections(), ConnectionLimit.Refusal.REFUSE_STREAM), frames, heads, exchanges, new BodyTimeout(limits.bodyTimeoutMillis(), exchanges), checks);
                        policy.rateLimit().ifPresent(limit -> handlers.addLast(limit));
                        handlers.addLast(requests.handlerFor(stream, streams));
                    }
                }), new Connection(codec, drain));
        pipeline.channel().writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE));
    }

    private static Http2FrameCodec codec(ClientLimits limits) {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(limits.maxStreams()).maxHeaderListSize(ClientEdge.MAX_HEADER_BYTES))
                .validateHeaders(true)
                .validateRequiredPseudoHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATIONS)
                // a closing connection (drain, idle) waits for its open streams for as long as they take: the load
                // balancer's --drain-timeout bounds a shutdown; with Netty's default a stream in flight was cut off
                .gracefulShutdownTimeoutMillis(-1)
                .build();
    }

    /**
     * The connection's own end: idle (no stream open and nothing read or written for the idle timeout) or drained
     * (the load balancer stops, before or after the connection became HTTP/2), it closes through the codec, which sends
     * GOAWAY and lets the open streams finish. An HTTP/2 connection error (a flood, a protocol violation) comes here once
     * the codec has sent its GOAWAY and is closing; any other error closes the connection.
     */
    private static final class Connection extends ChannelInboundHandlerAdapter {
        private final Http2FrameCodec codec;
        private final Drain drain;

        Connection(Http2FrameCodec codec, Drain drain) {
            this.codec = codec;
            this.drain = drain;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (drain.started()) ctx.channel().close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == Drain.STARTED) {
                ctx.channel().close();
            } else if (event instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
                ctx.channel().close();
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) ctx.close();
        }
    }
}

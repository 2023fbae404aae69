package dev.clb.lb.proxy;

import dev.clb.lb.edge.ClientEdge;
import dev.clb.lb.edge.ClientSide;
import dev.clb.lb.edge.Json;
import dev.clb.lb.edge.RejectedRequest;
import dev.clb.lb.upstream.RetryPolicy;
import dev.clb.lb.upstream.Tunnel;
import dev.clb.lb.upstream.UpstreamPool;
import dev.clb.hashmap.Mixers;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.LatencyWindow;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.health.HeartbeatMonitor;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One client connection. Every request that is not for an admin path goes to the replica the ring chooses for
 * its id, over the event loop's pooled keep-alive connections; admin paths go to the admin server.
 *
 * <p>Bodies stream both ways as they arrive; whichever side is ahead stops being read until the other can take more,
 * so an exchange holds a bounded amount of memory whatever its size. A request is retried on the next replica
 * clockwise only while nothing of the answer has gone to the client and its body can be sent again; a replica that
 * fails mid-answer costs the client its connection, never a spliced answer. A replica's 404 becomes the load
 * balancer's 400, as the spec asks. Requests pipelined by a client are answered in order. After a 101 the connection
 * becomes a byte {@link Tunnel} to the replica.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {
    static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString[] HOP_BY_HOP = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, AsciiString.cached("proxy-connection"),
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.EXPECT};
    /** Body bytes a request may pile up while its connection to a replica is being opened. */
    private static final int MAX_HELD_BYTES = 64 * 1024;

    private final ProxyRoutes routes;
    private final UpstreamPool pool;
    private final ClientSide side;
    private ProxyEvents.Edge edge;
    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>(2);
    private ChannelHandlerContext ctx;
    private Exchange current;
    private boolean open = true;
    private boolean closing;
    private boolean reading;
    private String peer;

    /** How this connection's (or stream's) requests come, made once (again only if a request line names another version). */
    private ProxyEvents.Edge edge(String protocol) {
        if (edge == null || !edge.protocol().equals(protocol)) edge = new ProxyEvents.Edge(protocol, side.schemeName(), side.tlsVersion(ctx.channel()));
        return edge;
    }

    public ProxyHandler(ProxyRoutes routes, UpstreamPool pool, ClientSide side) {
        this.routes = routes;
        this.pool = pool;
        this.side = side;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        if (closing || !(msg instanceof HttpObject message)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!waiting.isEmpty() || (current != null && current.body.complete())) {
            waiting.addLast(message); // a pipelined request: its turn comes when the one before is answered
            updateReading();
        } else {
            dispatch(message);
        }
    }

    private void dispatch(HttpObject message) {
        if (message instanceof HttpRequest head) {
            begin(head);
            if (message instanceof HttpContent content) body(content);
        } else if (message instanceof HttpContent content) {
            body(content);
        } else {
            ReferenceCountUtil.release(message);
        }
    }

    private void body(HttpContent content) {
        if (current == null || closing) { // what is left of a request answered and closed already
            content.release();
            return;
        }
        current.body(content);
        updateReading();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (current != null) current.flushUpstream();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null && ctx.channel().isWritable()) current.clientWritable();
        ctx.fireChannelWritabilityChanged();
    }

    private void begin(HttpRequest head) {
        if (!head.decoderResult().isSuccess()) {
            current = new Exchange(head, false);
            current.reject(head.decoderResult().cause());
            return;
        }
        boolean admin = routes.isAdmin(head.uri());
        boolean expectsContinue = HttpUtil.is100ContinueExpected(head);
        current = new Exchange(head, admin); // Expect is hop-by-hop: the load balancer answers it
        if (expectsContinue) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
        if (admin) {
            current.toAdmin();
        } else {
            current.attempt();
        }
    }

    /** Reads the client while the exchange can take its body and no pipelined request waits for its turn. */
    private void updateReading() {
        boolean read = open && !closing && waiting.isEmpty() && (current == null || current.mayRead());
        ctx.channel().config().setAutoRead(read);
    }

    /** The exchange is over both ways: the next pipelined request, if any, takes its turn. */
    private void next() {
        current = null;
        HttpObject message;
        while ((current == null || !current.body.complete()) && !closing && (message = waiting.pollFirst()) != null) {
            dispatch(message);
        }
        updateReading();
    }

    private void close() {
        closing = true;
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open = false;
        close();
        if (current != null) current.clientGone();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private String peer() {
        if (peer == null) {
            peer = ctx.channel().remoteAddress() instanceof InetSocketAddress address ? address.getAddress().getHostAddress() : "-";
        }
        return peer;
    }

    /** A decimal id is used as is; any other key maps to a stable id; no header gets a random 6-digit id. */
    static long requestId(String header) {
        if (header == null || header.isEmpty()) return ThreadLocalRandom.current().nextLong(100_000, 1_000_000);
        if (header.length() <= 18 && isDecimal(header)) return Long.parseLong(header);
        return Mixers.stableId(header);
    }

    /** Whether {@code header} is what {@link Long#toString} makes of the {@link #requestId} it gives: no leading zero, no "-0". */
    private static boolean spellsId(String header) {
        if (header == null || header.isEmpty() || header.length() > 18 || !isDecimal(header)) return false;
        int start = header.charAt(0) == '-' ? 1 : 0;
        return header.charAt(start) != '0' || header.length() == 1;
    }

    private static boolean isDecimal(String s) {
        int start = s.charAt(0) == '-' && s.length() > 1 ? 1 : 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    /**
     * Removes the hop-by-hop headers, and those the Connection header names, in place: the proxy passes each
     * message's own header map on rather than copying it, the largest saving of allocation on the request path.
     */
    private static void endToEnd(HttpHeaders headers) {
        // get first: getAll allocates a list even when, as on most requests, there is no Connection header
        String connection = headers.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : value.split(",")) headers.remove(token.trim());
            }
        }
        for (AsciiString name : HOP_BY_HOP) headers.remove(name);
    }

    /** One client request: its attempts on successive replicas, its body on the way up, the answer on the way down. */
    private final class Exchange implements UpstreamPool.Listener {
        private final HttpRequest head;
        private final boolean admin;
        private final HttpVersion clientVersion;
        private final boolean clientKeepsAlive;
        private final boolean idempotent;
        private final boolean upgrade;
        private final long startNanos = ctx.executor().ticker().nanoTime();
        private final long startEpochMillis = System.currentTimeMillis();
        private final RequestPolicy policy = routes.policy();
        final RequestBody body = new RequestBody(policy.settings().retryBufferBytes());
        private Ring<Replica> ring;
        private long id;
        /** The replicas of the attempts so far, once there was one (the first attempt allocates nothing). */
        private List<Replica> tried = List.of();
        private Replica replica;
        private int attempts;
        private UpstreamPool.Call call;
        private boolean counted;
        private boolean replacing404;
        private boolean answered;
        private boolean keepAlive;
        private int status;
        private boolean done;

        Exchange(HttpRequest head, boolean admin) {
            this.head = head;
            this.admin = admin;
            this.clientVersion = head.protocolVersion();
            this.clientKeepsAlive = HttpUtil.isKeepAlive(head);
            this.idempotent = RetryPolicy.idempotent(head.method());
            HttpHeaders headers = head.headers();
            String upgradeTo = headers.get(HttpHeaderNames.UPGRADE);
            this.upgrade = upgradeTo != null && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
            if (!head.decoderResult().isSuccess()) return;
            boolean chunked = HttpUtil.isTransferEncodingChunked(head);
            endToEnd(headers);
            if (chunked) headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            if (upgrade) {
                headers.set(HttpHeaderNames.UPGRADE, upgradeTo);
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            }
            policy.settings().forwarded().apply(headers, peer(), headers.get(HttpHeaderNames.HOST), side.scheme());
            head.setProtocolVersion(HttpVersion.HTTP_1_1);
        }

        void reject(Throwable cause) {
            if (cause instanceof RejectedRequest rejected && !rejected.closesConnection()) {
                // the body, if any, is dropped as it comes (body()); a client waiting for 100 Continue may never send it
                error(rejected.status(), rejected.getMessage(), HttpUtil.is100ContinueExpected(head), rejected.headers());
                return;
            }
            body.add(LastHttpContent.EMPTY_LAST_CONTENT, null);
            if (cause instanceof RejectedRequest rejected) {
                error(rejected.status(), rejected.getMessage(), true);
            } else if (cause instanceof TooLongHttpHeaderException) {
                error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header fields too large: " + cause.getMessage(), true);
            } else if (cause instanceof TooLongHttpLineException) {
                error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "Request line too long: " + cause.getMessage(), true);
            } else {
                error(HttpResponseStatus.BAD_REQUEST, "Malformed HTTP request: " + cause.getMessage(), true);
            }
        }

        void toAdmin() {
            replica = routes.admin();
            pool.send(replica, 0, this);
        }

        void attempt() {
            if (attempts == 0) {
                ring = routes.ring();
                pool.ringIs(ring);
                String given = head.headers().get(REQUEST_ID);
                id = requestId(given);
                // the id as the client spelled it where that is already its decimal form (as usual): no second string
                head.headers().set(REQUEST_ID, spellsId(given) ? given : Long.toString(id));
            } else {
                if (tried.isEmpty()) tried = new ArrayList<>(ring.size());
                tried.add(replica);
            }
            Node<Replica> node = passOverHung(policy.chooser().pick(ring, id, tried, ctx.executor().ticker()));
            if (node == null) {
                error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        attempts == 0 ? "No replica is available" : "No replica could answer (tried " + attempts + ")", false);
                return;
            }
            attempts++;
            replica = node.value();
            replica.begin();
            counted = true;
            pool.send(replica, policy.timeoutMillis(), this);
        }

        /**
         * {@code chosen}, or when this loop has just seen it hang, the next replica in fallback order that it has not:
         * the request need not wait for the deadline that another already waited for. The hung one stays in the ring
         * until the monitor decides; when every one left seems hung, {@code chosen} is asked all the same.
         */
        private Node<Replica> passOverHung(Node<Replica> chosen) {
            if (chosen == null || !pool.seemsHung(chosen.value())) return chosen;
            List<Replica> passedOver = new ArrayList<>(tried);
            Node<Replica> next = chosen;
            while (next != null && pool.seemsHung(next.value())) {
                passedOver.add(next.value());
                next = policy.chooser().pick(ring, id, passedOver, ctx.executor().ticker());
            }
            return next != null ? next : chosen;
        }

        private void endAttempt() {
            call = null;
            if (counted) {
                counted = false;
                replica.end();
            }
        }

        // ---- the request, on its way to the replica

        @Override
        public HttpRequest head(AsciiString host) {
            head.headers().set(HttpHeaderNames.HOST, host);
            return head;
        }

        @Override
        public boolean replayable() {
            return body.replayable();
        }

        /** A first attempt of a request that can go elsewhere waits for what the replica's recent answers suggest. */
        @Override
        public long deadlineMillis(Replica to, LatencyWindow recent) {
            long floor = policy.settings().attemptDeadlineFloorMillis();
            if (floor <= 0 || admin || !RetryPolicy.mayLeaveEarly(attempts, idempotent, body.replayable(), ring.size())) return 0;
            return recent.deadlineMillis(floor);
        }

        @Override
        public void attached(UpstreamPool.Call call) {
            if (done) { // the client went away while the connection was being opened
                call.abandon();
                return;
            }
            this.call = call;
            body.replay(call);
            if (!reading) call.flush();
            updateReading();
        }

        void body(HttpContent content) {
            if (done) { // answered already (a replica may answer before the body is in): the rest is not wanted
                boolean last = content instanceof LastHttpContent;
                content.release();
                if (last) {
                    body.add(LastHttpContent.EMPTY_LAST_CONTENT, null);
                    next();
                }
                return;
            }
            body.add(content, call);
        }

        boolean mayRead() {
            if (body.complete() || done) return true;
            return call != null ? call.isWritable() : body.bytes() <= MAX_HELD_BYTES;
        }

        void flushUpstream() {
            if (call != null) call.flush();
        }

        @Override
        public void writable() {
            updateReading();
        }

        // ---- the answer, on its way to the client

        @Override
        public void onHead(HttpResponse response) {
            int code = response.status().code();
            if (!admin) {
                if (code >= 500) policy.outliers().failed(ring, replica, ctx.executor().ticker()); else policy.outliers().succeeded(replica);
            }
            if (code == 404 && !admin) { // the spec's 400 replaces it once its body has been read
                replacing404 = true;
                return;
            }
            if (code == 101 && !upgrade) {
                call.abandon();
                onFailure(new DecoderException("101 answer to a request that asked for no upgrade"));
                return;
            }
            HttpHeaders headers = response.headers();
            String upgradeTo = code == 101 ? headers.get(HttpHeaderNames.UPGRADE) : null;
            endToEnd(headers);
            keepAlive = clientKeepsAlive && !closing;
            if (upgradeTo != null) {
                headers.set(HttpHeaderNames.UPGRADE, upgradeTo);
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            } else if (!head.method().equals(HttpMethod.HEAD) && code != 204 && code != 304 && !HttpUtil.isContentLengthSet(response)) {
                if (clientVersion.equals(HttpVersion.HTTP_1_1)) {
                    HttpUtil.setTransferEncodingChunked(response, true);
                } else {
                    keepAlive = false; // the end of the body is where the connection ends
                }
            }
            if (upgradeTo == null) HttpUtil.setKeepAlive(headers, clientVersion, keepAlive);
            response.setProtocolVersion(clientVersion);
            status = code;
            answered = true;
            ctx.write(response, ctx.voidPromise());
        }

        @Override
        public void onContent(HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (replacing404) {
                content.release();
                if (last) {
                    endAttempt();
                    String uri = head.uri();
                    int query = uri.indexOf('?');
                    error(HttpResponseStatus.BAD_REQUEST, "'" + (query < 0 ? uri : uri.substring(0, query))
                            + "' endpoint does not exist in server replicas", false);
                }
                return;
            }
            if (status == 101) {
                content.release();
                if (last) tunnel();
                return;
            }
            if (!open) {
                content.release();
                return;
            }
            if (!last) {
                ctx.write(content, ctx.voidPromise());
                if (!ctx.channel().isWritable()) call.reading(false);
                return;
            }
            endAttempt();
            if (keepAlive) {
                ctx.write(content, ctx.voidPromise());
            } else {
                ctx.writeAndFlush(content).addListener(ChannelFutureListener.CLOSE);
            }
            complete(Optional.of(replica));
        }

        @Override
        public void flush() {
            ctx.flush();
        }

        void clientWritable() {
            if (call != null) call.reading(true);
        }

        @Override
        public void onFailure(Throwable cause) {
            endAttempt();
            if (done) return;
            if (answered) { // part of an answer went out: the client must not get another spliced on
                ctx.close();
                complete(Optional.of(replica));
                return;
            }
            if (admin) {
                error(HttpResponseStatus.BAD_GATEWAY, "Admin server unreachable: " + cause.getMessage(), false);
                return;
            }
            if (cause instanceof DecoderException) { // the replica is up but speaks no HTTP we relay; another would answer alike
                error(HttpResponseStatus.BAD_GATEWAY, "Replica '" + replica.hostname() + "' answered with a malformed head: "
                        + cause.getMessage(), false);
                return;
            }
            routes.monitor().suspect(replica);
            policy.outliers().failed(ring, replica, ctx.executor().ticker()); // refused, reset, timed out: a gateway failure
            switch (RetryPolicy.afterFailure(body.replayable(), idempotent, HeartbeatMonitor.isRefusal(cause))) {
                case NEXT_REPLICA -> {
                    policy.events().retried(replica);
                    replacing404 = false;
                    attempt();
                }
                case BODY_NOT_KEPT -> error(HttpResponseStatus.BAD_GATEWAY, "Replica '" + replica.hostname() + "' failed while a request body of more than "
                        + policy.settings().retryBufferBytes() + " bytes (--retry-buffer) was sent; it is not retried: " + cause.getMessage(), false);
                case NOT_IDEMPOTENT -> error(HttpResponseStatus.BAD_GATEWAY, "Replica '" + replica.hostname() + "' failed during a "
                        + head.method() + " request, which is not retried: " + cause.getMessage(), false);
            }
        }

        /** The load balancer's own answer, with a JSON {@code <Error>} body. */
        void error(HttpResponseStatus errorStatus, String message, boolean close) {
            error(errorStatus, message, close, EmptyHttpHeaders.INSTANCE);
        }

        private void error(HttpResponseStatus errorStatus, String message, boolean close, HttpHeaders extra) {
            byte[] json = Json.error(message).getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(clientVersion, errorStatus, Unpooled.wrappedBuffer(json));
            response.headers().add(extra).set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            HttpUtil.setContentLength(response, json.length);
            keepAlive = clientKeepsAlive && !close && !closing;
            HttpUtil.setKeepAlive(response, keepAlive);
            status = errorStatus.code();
            answered = true;
            if (!open) {
                response.release();
            } else if (keepAlive) {
                ctx.writeAndFlush(response, ctx.voidPromise());
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
            complete(Optional.empty());
        }

        /** After a 101: both connections become one byte tunnel, idle for at most --tunnel-idle-timeout. */
        private void tunnel() {
            UpstreamPool.Call upstream = call;
            Channel toReplica = upstream.channel();
            endAttempt();
            complete(Optional.of(replica)); // keeps nothing alive: no further request is read as HTTP
            if (!open) {
                upstream.abandon();
                return;
            }
            ctx.flush();
            upstream.tunnelTo(ctx.channel());
            ChannelPipeline pipeline = ctx.pipeline();
            pipeline.addBefore(ctx.name(), "tunnel-idle", new IdleStateHandler(0, 0, policy.settings().tunnelIdleMillis(), TimeUnit.MILLISECONDS));
            pipeline.replace(ProxyHandler.this, "tunnel", new Tunnel(toReplica));
            ClientEdge.leaveHttp(pipeline);
            toReplica.config().setAutoRead(true);
            ctx.channel().config().setAutoRead(true);
        }

        private void complete(Optional<Replica> answeredBy) {
            if (done) return;
            done = true;
            policy.events().completed(new ProxyEvents.Exchange(startEpochMillis, peer(), head.method().name(), head.uri(),
                    edge(side.protocol(clientVersion)), open ? status : 499, answeredBy, attempts, ctx.executor().ticker().nanoTime() - startNanos));
            if (!keepAlive) close();
            boolean wholeBodyRead = body.complete();
            body.release();
            if (wholeBodyRead) next(); else updateReading();
        }

        void clientGone() {
            if (call != null) call.abandon();
            endAttempt();
            body.release();
            complete(Optional.ofNullable(replica));
        }
    }
}

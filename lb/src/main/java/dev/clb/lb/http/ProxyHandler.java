package dev.clb.lb.http;

import dev.clb.hashmap.Mixers;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.core.Backend;
import dev.clb.lb.health.HeartbeatMonitor;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One client connection. Every request that is not for an admin path goes to the replica the ring chooses for
 * its id, over the event loop's pooled keep-alive connections; admin paths go to the admin server.
 *
 * <p>The replica's answer is buffered whole before anything reaches the client, so that a replica which cannot
 * be reached, or dies mid-answer, costs nothing but a retry on the next replica clockwise. A replica's 404
 * becomes the load balancer's 400, as the spec asks. Requests pipelined by a client are answered in order.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
    static final String REQUEST_ID = "X-Request-ID";
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect");

    private final ProxyRoutes routes;
    private final UpstreamPool pool;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean busy;
    private boolean open = true;

    ProxyHandler(ProxyRoutes routes, UpstreamPool pool) {
        this.routes = routes;
        this.pool = pool;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (busy) {
            waiting.addLast(request);
            ctx.channel().config().setAutoRead(false);
        } else {
            begin(request);
        }
    }

    private void begin(FullHttpRequest request) {
        busy = true;
        if (!request.decoderResult().isSuccess()) {
            HttpUtil.setKeepAlive(request, false);
            Throwable cause = request.decoderResult().cause();
            Exchange exchange = new Exchange(request, "");
            if (cause instanceof RejectedRequest rejected) {
                exchange.error(rejected.status(), rejected.getMessage());
            } else if (cause instanceof TooLongHttpHeaderException) {
                exchange.error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header fields too large: " + cause.getMessage());
            } else if (cause instanceof TooLongHttpLineException) {
                exchange.error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "Request line too long: " + cause.getMessage());
            } else {
                exchange.error(HttpResponseStatus.BAD_REQUEST, "Malformed HTTP request: " + cause.getMessage());
            }
            return;
        }
        String uri = request.uri();
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        Exchange exchange = new Exchange(request, path);
        if (routes.isAdmin(path)) {
            exchange.toAdmin();
        } else {
            exchange.attempt();
        }
    }

    private void finished(FullHttpRequest request, boolean clientKeepsAlive, FullHttpResponse response) {
        boolean keepAlive = open && clientKeepsAlive;
        request.release();
        if (!open) {
            response.release();
            return;
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        if (!keepAlive) {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(response, ctx.voidPromise());
        busy = false;
        FullHttpRequest next = waiting.pollFirst();
        if (next != null) {
            begin(next);
        } else {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open = false;
        waiting.forEach(FullHttpRequest::release);
        waiting.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private String clientAddress() {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address ? address.getAddress().getHostAddress() : "-";
    }

    /** A decimal id is used as is; any other key maps to a stable id; no header gets a random 6-digit id. */
    static long requestId(String header) {
        if (header == null || header.isEmpty()) return ThreadLocalRandom.current().nextLong(100_000, 1_000_000);
        if (header.length() <= 18 && isDecimal(header)) return Long.parseLong(header);
        return Mixers.stableId(header);
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
    private static HttpHeaders endToEnd(HttpHeaders headers) {
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) headers.remove(token.trim());
        }
        for (String name : HOP_BY_HOP) headers.remove(name);
        return headers;
    }

    /** One client request and its attempts on successive replicas. */
    private final class Exchange implements UpstreamPool.Listener {
        private final FullHttpRequest request;
        private final String path;
        private final boolean clientKeepsAlive;
        private Ring<Backend> ring;
        private long id;
        /** Hostnames of the attempts so far, once there was one (the first attempt allocates nothing). */
        private List<String> tried = List.of();
        private final long startNanos = System.nanoTime();
        private final long startEpochMillis = System.currentTimeMillis();
        private Backend backend;
        private int attempts;
        private boolean admin;

        Exchange(FullHttpRequest request, String path) {
            this.request = request;
            this.path = path;
            this.clientKeepsAlive = HttpUtil.isKeepAlive(request);
            HttpHeaders headers = endToEnd(request.headers());
            if (request.content().isReadable() || headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                headers.setInt(HttpHeaderNames.CONTENT_LENGTH, request.content().readableBytes());
            }
        }

        void toAdmin() {
            admin = true;
            backend = routes.admin();
            pool.send(backend, 0, this);
        }

        void attempt() {
            if (attempts == 0) {
                ring = routes.ring();
                id = requestId(request.headers().get(REQUEST_ID));
                request.headers().set(REQUEST_ID, Long.toString(id));
            } else {
                if (tried.isEmpty()) tried = new ArrayList<>(ring.size());
                tried.add(backend.hostname());
            }
            Node<Backend> node = routes.chooser().pick(ring, id, tried);
            if (node == null) {
                error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        attempts == 0 ? "No replica is available" : "No replica could answer (tried " + attempts + ")");
                return;
            }
            attempts++;
            backend = node.value();
            routes.inFlight().begin(backend.hostname());
            pool.send(backend, routes.timeoutMillis(), this);
        }

        /** The client's request with its end-to-end headers, for {@code to}: a new message per attempt, one header map. */
        @Override
        public FullHttpRequest request(Backend to) {
            HttpHeaders headers = request.headers();
            headers.set(HttpHeaderNames.HOST, to.host() + ":" + to.port());
            return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri(),
                    request.content().retainedDuplicate(), headers, EmptyHttpHeaders.INSTANCE);
        }

        @Override
        public void onResponse(FullHttpResponse upstream) {
            if (!admin) routes.inFlight().end(backend.hostname());
            if (!admin && upstream.status().code() == 404) {
                upstream.release();
                error(HttpResponseStatus.BAD_REQUEST, "'" + path + "' endpoint does not exist in server replicas");
                return;
            }
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), upstream.status(), upstream.content(),
                    endToEnd(upstream.headers()), EmptyHttpHeaders.INSTANCE);
            // an answer to HEAD keeps the length the body would have had
            if (!request.method().equals(HttpMethod.HEAD)) HttpUtil.setContentLength(response, upstream.content().readableBytes());
            complete(response, Optional.of(backend.hostname()));
        }

        @Override
        public void onFailure(Throwable cause) {
            if (!admin) routes.inFlight().end(backend.hostname());
            if (admin) {
                error(HttpResponseStatus.BAD_GATEWAY, "Admin server unreachable: " + cause.getMessage());
                return;
            }
            if (cause instanceof TooLongFrameException) { // the replica is fine; another would answer the same
                error(HttpResponseStatus.BAD_GATEWAY, "Replica '" + backend.hostname() + "' answered with more than "
                        + UpstreamPool.MAX_RESPONSE_BYTES / (1024 * 1024) + " MiB, which the load balancer does not relay");
                return;
            }
            routes.monitor().suspect(backend);
            boolean safe = UpstreamPool.idempotent(request.method()) || HeartbeatMonitor.isRefusal(cause);
            if (safe) {
                routes.events().retried(backend);
                attempt();
            } else {
                error(HttpResponseStatus.BAD_GATEWAY, "Replica '" + backend.hostname() + "' failed during a "
                        + request.method() + " request, which is not retried: " + cause.getMessage());
            }
        }

        void error(HttpResponseStatus status, String message) {
            byte[] json = Json.error(message).getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status, Unpooled.wrappedBuffer(json));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            HttpUtil.setContentLength(response, json.length);
            complete(response, Optional.empty());
        }

        private void complete(FullHttpResponse response, Optional<String> replica) {
            routes.events().completed(new ProxyEvents.Exchange(startEpochMillis, clientAddress(), request.method().name(), request.uri(),
                    response.status().code(), replica, attempts, System.nanoTime() - startNanos));
            finished(request, clientKeepsAlive, response);
        }
    }
}

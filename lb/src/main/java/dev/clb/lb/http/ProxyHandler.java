package dev.clb.lb.http;

import dev.clb.hashmap.Mixers;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.core.Backend;
import dev.clb.lb.health.HeartbeatMonitor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.ByteBufferRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The request path: every request that is not for an admin endpoint is sent to the replica the ring chooses,
 * asynchronously over pooled keep-alive connections, without ever blocking a thread.
 *
 * <p>The replica's answer is buffered whole before anything reaches the client, so that a replica which cannot
 * be reached, or dies mid-answer, costs nothing but a retry on the next replica clockwise. A replica's 404
 * becomes the load balancer's 400, as the spec asks. Admin paths fall through to Javalin.
 */
final class ProxyHandler extends Handler.Wrapper {
    static final String REQUEST_ID = "X-Request-ID";
    private static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
    private static final int MAX_REQUEST_BYTES = 8 * 1024 * 1024;
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length");

    private final Supplier<Ring<Backend>> ring;
    private final HttpClient client;
    private final HeartbeatMonitor monitor;
    private final long timeoutMillis;

    ProxyHandler(Supplier<Ring<Backend>> ring, HttpClient client, HeartbeatMonitor monitor, long timeoutMillis) {
        this.ring = ring;
        this.client = client;
        this.monitor = monitor;
        this.timeoutMillis = timeoutMillis;
    }

    /** Nothing here blocks, so Jetty may run it on the thread that read the request, saving a hand-off. */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        if (AdminRoutes.PATHS.contains(path)) {
            getServer().getThreadPool().execute(() -> handleBlocking(request, response, callback));
            return true;
        }
        Exchange exchange = new Exchange(request, response, callback, path, requestId(request.getHeaders().get(REQUEST_ID)));
        if (hasBody(request)) {
            Content.Source.asByteBufferAsync(request, MAX_REQUEST_BYTES).whenComplete((body, error) -> {
                if (error != null) {
                    exchange.fail(400, "Request body unreadable or larger than " + MAX_REQUEST_BYTES + " bytes");
                } else {
                    exchange.body = body;
                    exchange.attempt();
                }
            });
        } else {
            exchange.attempt();
        }
        return true;
    }

    /** The admin routes are Javalin servlets, which block: they run on a pool thread, never on a selector. */
    private void handleBlocking(Request request, Response response, Callback callback) {
        try {
            if (!super.handle(request, response, callback)) Response.writeError(request, response, callback, 404);
        } catch (Throwable e) {
            callback.failed(e);
        }
    }

    private static boolean hasBody(Request request) {
        HttpFields headers = request.getHeaders();
        return headers.getLongField(HttpHeader.CONTENT_LENGTH) > 0 || headers.contains(HttpHeader.TRANSFER_ENCODING);
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

    /** One client request and its attempts on successive replicas. */
    private final class Exchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final String path;
        private final long id;
        private final Ring<Backend> ring;
        private ByteBuffer body;
        private List<Node<Backend>> order;
        private int attempts;

        Exchange(Request request, Response response, Callback callback, String path, long id) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.path = path;
            this.id = id;
            this.ring = ProxyHandler.this.ring.get();
        }

        void attempt() {
            Node<Backend> node;
            if (attempts == 0) {
                node = ring.lookup(id);
            } else {
                if (order == null) order = ring.clockwiseFrom(id);
                node = attempts < order.size() ? order.get(attempts) : null;
            }
            if (node == null) {
                fail(503, attempts == 0 ? "No replica is available" : "No replica could answer (tried " + attempts + ")");
                return;
            }
            attempts++;
            send(node.value());
        }

        private void send(Backend backend) {
            var out = client.newRequest(backend.host(), backend.port())
                    .method(request.getMethod())
                    .path(request.getHttpURI().getPathQuery())
                    .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
                    .headers(headers -> {
                        for (HttpField field : request.getHeaders()) {
                            if (!HOP_BY_HOP.contains(field.getLowerCaseName())) headers.add(field);
                        }
                        headers.put(REQUEST_ID, Long.toString(id));
                    });
            if (body != null) out.body(new ByteBufferRequestContent(body.slice()));
            out.send(new BufferingResponseListener(MAX_RESPONSE_BYTES) {
                @Override
                public void onComplete(Result result) {
                    if (result.isSucceeded()) {
                        relay(result.getResponse(), getContent());
                    } else {
                        retry(backend, result.getFailure());
                    }
                }
            });
        }

        private void retry(Backend backend, Throwable failure) {
            monitor.suspect(backend);
            HttpMethod method = HttpMethod.fromString(request.getMethod());
            boolean safe = (method != null && method.isIdempotent()) || HeartbeatMonitor.isRefusal(failure);
            if (safe) {
                attempt();
            } else {
                fail(502, "Replica '" + backend.hostname() + "' failed during a " + request.getMethod()
                        + " request, which is not retried: " + failure.getMessage());
            }
        }

        private void relay(org.eclipse.jetty.client.Response upstream, byte[] content) {
            if (upstream.getStatus() == 404) {
                fail(400, "'" + path + "' endpoint does not exist in server replicas");
                return;
            }
            response.setStatus(upstream.getStatus());
            HttpFields.Mutable headers = response.getHeaders();
            for (HttpField field : upstream.getHeaders()) {
                if (!HOP_BY_HOP.contains(field.getLowerCaseName())) headers.add(field);
            }
            headers.put(HttpHeader.CONTENT_LENGTH, content.length);
            response.write(true, ByteBuffer.wrap(content), callback);
        }

        void fail(int status, String message) {
            response.setStatus(status);
            byte[] json = Json.error(message).getBytes(StandardCharsets.UTF_8);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, json.length);
            response.write(true, ByteBuffer.wrap(json), callback);
        }
    }
}

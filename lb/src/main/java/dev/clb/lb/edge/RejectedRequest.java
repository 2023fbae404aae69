package dev.clb.lb.edge;

import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why the load balancer answers a request itself instead of routing it. Whatever checks a request head marks it
 * with this as its failed decoder result; the proxy then answers it, in its turn among pipelined requests, with
 * {@code status}, {@link #headers()} and a JSON {@code <Error>} body. A malformed request's connection is closed after
 * the answer, since what follows it cannot be trusted to be the next request; a well-formed request refused (a rate
 * limit) keeps it.
 */
public final class RejectedRequest extends Exception {
    private final HttpResponseStatus status;
    private final boolean closesConnection;
    private final HttpHeaders headers;

    /** A malformed request: answered, then its connection closed. */
    public RejectedRequest(HttpResponseStatus status, String message) {
        this(status, message, true, EmptyHttpHeaders.INSTANCE);
    }

    private RejectedRequest(HttpResponseStatus status, String message, boolean closesConnection, HttpHeaders headers) {
        super(message, null, false, false);
        this.status = status;
        this.closesConnection = closesConnection;
        this.headers = headers;
    }

    /** A well-formed request refused: answered with {@code headers} added, its body read and dropped, the connection kept. */
    public static RejectedRequest keepingConnection(HttpResponseStatus status, String message, HttpHeaders headers) {
        return new RejectedRequest(status, message, false, headers);
    }

    public HttpResponseStatus status() {
        return status;
    }

    public boolean closesConnection() {
        return closesConnection;
    }

    /** Headers the answer carries besides the load balancer's own. */
    public HttpHeaders headers() {
        return headers;
    }
}

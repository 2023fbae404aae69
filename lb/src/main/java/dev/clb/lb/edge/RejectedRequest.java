package dev.clb.lb.edge;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why the load balancer answers a request itself instead of routing it. Whatever checks a request head marks it
 * with this as its failed decoder result; the proxy then answers it, in its turn among pipelined requests, with
 * {@code status} and a JSON {@code <Error>} body, and closes the connection.
 */
public final class RejectedRequest extends Exception {
    private final HttpResponseStatus status;

    public RejectedRequest(HttpResponseStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public HttpResponseStatus status() {
        return status;
    }
}

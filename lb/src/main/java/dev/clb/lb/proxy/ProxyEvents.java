package dev.clb.lb.proxy;

import dev.clb.lb.backend.Replica;
import java.util.Optional;

/**
 * What the request path tells observers (metrics, the access log). Called on the event loops: an implementation
 * must be quick and must not block or take a lock that the event loops share.
 */
public interface ProxyEvents {

    /**
     * One client request, answered by a replica or by the load balancer itself, and how it came: {@code protocol}
     * HTTP/1.1, HTTP/1.0 or HTTP/2, {@code scheme} https on the TLS port and http on the plain one, {@code tls} the TLS
     * version (TLSv1.3, TLSv1.2) or none.
     */
    record Exchange(long startEpochMillis, String client, String method, String uri, Edge edge, int status,
                    Optional<Replica> replica, int attempts, long durationNanos) {
    }

    /** How a client request came in; a handful of values, so they label metrics. */
    record Edge(String protocol, String scheme, String tls) {
    }

    /** A client request has been answered (or its client went away: status 499). */
    void completed(Exchange exchange);

    /** An attempt on {@code failed} did not succeed and the request goes on to another replica. */
    void retried(Replica failed);

    ProxyEvents NONE = new ProxyEvents() {
        @Override
        public void completed(Exchange exchange) {
        }

        @Override
        public void retried(Replica failed) {
        }
    };

    /** Tells every one of {@code observers}, in order. */
    static ProxyEvents all(java.util.List<ProxyEvents> observers) {
        if (observers.isEmpty()) return NONE;
        if (observers.size() == 1) return observers.get(0);
        ProxyEvents[] each = observers.toArray(ProxyEvents[]::new);
        return new ProxyEvents() {
            @Override
            public void completed(Exchange exchange) {
                for (ProxyEvents e : each) e.completed(exchange);
            }

            @Override
            public void retried(Replica failed) {
                for (ProxyEvents e : each) e.retried(failed);
            }
        };
    }
}

package dev.clb.lb.edge;

/**
 * How long, and how many, clients of the public port may take: the whole request head (and a ClientHello, and a TLS
 * handshake after it) within {@code headerTimeoutMillis}, no gap in a request body longer than {@code bodyTimeoutMillis},
 * a connection with nothing in flight and nothing arriving closed after {@code idleTimeoutMillis}, at most
 * {@code maxConnections} connections (plain and TLS) and HTTP/2 streams in flight together, and at most
 * {@code maxStreams} concurrent streams on one HTTP/2 connection.
 */
public record ClientLimits(long headerTimeoutMillis, long idleTimeoutMillis, long bodyTimeoutMillis, int maxConnections, int maxStreams) {
    public ClientLimits {
        if (headerTimeoutMillis <= 0) throw new IllegalArgumentException("the header timeout must be positive, got " + headerTimeoutMillis + " ms");
        if (idleTimeoutMillis <= 0) throw new IllegalArgumentException("the idle timeout must be positive, got " + idleTimeoutMillis + " ms");
        if (bodyTimeoutMillis <= 0) throw new IllegalArgumentException("the body timeout must be positive, got " + bodyTimeoutMillis + " ms");
        if (maxConnections <= 0) throw new IllegalArgumentException("the connection limit must be positive, got " + maxConnections);
        if (maxStreams <= 0) throw new IllegalArgumentException("the stream limit per HTTP/2 connection must be positive, got " + maxStreams);
    }
}

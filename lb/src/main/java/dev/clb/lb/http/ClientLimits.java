package dev.clb.lb.http;

/**
 * How long, and how many, clients of the public port may take: the whole request head (and a ClientHello, and a TLS
 * handshake after it) within {@code headerTimeoutMillis}, no gap in a request body longer than {@code bodyTimeoutMillis},
 * a connection with nothing in flight and nothing arriving closed after {@code idleTimeoutMillis}, at most
 * {@code maxConnections} connections (plain and TLS) and HTTP/2 streams in flight together, and at most
 * {@code maxStreams} concurrent streams on one HTTP/2 connection.
 */
public record ClientLimits(long headerTimeoutMillis, long idleTimeoutMillis, long bodyTimeoutMillis, int maxConnections, int maxStreams) {
    public ClientLimits {
        if (headerTimeoutMillis <= 0 || idleTimeoutMillis <= 0 || bodyTimeoutMillis <= 0) {
            throw new IllegalArgumentException("--header-timeout, --idle-timeout and --body-timeout must be positive");
        }
        if (maxConnections <= 0) throw new IllegalArgumentException("--max-connections must be positive");
        if (maxStreams <= 0) throw new IllegalArgumentException("--h2-max-streams must be positive");
    }
}

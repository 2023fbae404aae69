package dev.clb.lb.http;

/**
 * How long, and how many, clients of the public port may take: the whole request head within
 * {@code headerTimeoutMillis}, no gap in a request body longer than {@code bodyTimeoutMillis}, a connection with
 * nothing in flight and nothing arriving closed after {@code idleTimeoutMillis}, and at most {@code maxConnections} open.
 */
public record ClientLimits(long headerTimeoutMillis, long idleTimeoutMillis, long bodyTimeoutMillis, int maxConnections) {
    public ClientLimits {
        if (headerTimeoutMillis <= 0 || idleTimeoutMillis <= 0 || bodyTimeoutMillis <= 0) {
            throw new IllegalArgumentException("--header-timeout, --idle-timeout and --body-timeout must be positive");
        }
        if (maxConnections <= 0) throw new IllegalArgumentException("--max-connections must be positive");
    }
}

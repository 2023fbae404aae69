package dev.clb.lb.edge;

import static dev.clb.lb.settings.InvalidSetting.positive;
import static dev.clb.lb.settings.InvalidSetting.positiveMillis;

/**
 * How long, and how many, clients of the public port may take: the whole request head (and a ClientHello, and a TLS
 * handshake after it) within {@code headerTimeoutMillis}, no gap in a request body longer than {@code bodyTimeoutMillis},
 * a connection with nothing in flight and nothing arriving closed after {@code idleTimeoutMillis}, at most
 * {@code maxConnections} connections (plain and TLS) and HTTP/2 streams in flight together, and at most
 * {@code maxStreams} concurrent streams on one HTTP/2 connection.
 */
public record ClientLimits(long headerTimeoutMillis, long idleTimeoutMillis, long bodyTimeoutMillis, int maxConnections, int maxStreams) {
    public ClientLimits {
        positiveMillis(headerTimeoutMillis, "headerTimeoutMillis", "the header timeout");
        positiveMillis(idleTimeoutMillis, "idleTimeoutMillis", "the idle timeout");
        positiveMillis(bodyTimeoutMillis, "bodyTimeoutMillis", "the body timeout");
        positive(maxConnections, "maxConnections", "the connection limit");
        positive(maxStreams, "maxStreams", "the stream limit per HTTP/2 connection");
    }
}

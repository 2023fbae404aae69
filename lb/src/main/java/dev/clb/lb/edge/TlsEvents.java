package dev.clb.lb.edge;

/** What the TLS port tells observers of its handshakes; called on the event loops, so quick and lock-free. */
public interface TlsEvents {
    /** A handshake completed with {@code version} (TLSv1.3) and the application protocol ALPN chose (h2, http/1.1). */
    void handshook(String version, String protocol);

    /** A handshake failed; {@code reason} is short and of few values (a metric label). */
    void handshakeFailed(String reason);
}

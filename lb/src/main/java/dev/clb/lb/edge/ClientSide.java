package dev.clb.lb.edge;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import java.util.Optional;

/**
 * Which port and protocol a client request came in on: what {@code X-Forwarded-Proto} says and the access log shows.
 * {@code tls} is the TLS version once known: none on the plain port, read off the connection when HTTP/2 takes it over,
 * and on an HTTP/1.1 TLS connection (whose handlers are made before the handshake) read when a request asks.
 */
public record ClientSide(boolean secure, boolean http2, Optional<String> tls) {
    public static final ClientSide PLAIN = new ClientSide(false, false, Optional.of("none"));
    public static final ClientSide SECURE = new ClientSide(true, false, Optional.empty());
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");

    /** The side of the streams of {@code connection}, which HTTP/2 takes over once any TLS handshake is done. */
    ClientSide overHttp2(Channel connection) {
        return new ClientSide(secure, true, Optional.of(tlsVersion(connection)));
    }

    public AsciiString scheme() {
        return secure ? HTTPS : HTTP;
    }

    /** The same text as {@link #scheme()}: a cached AsciiString gives its String without a copy. */
    public String schemeName() {
        return scheme().toString();
    }

    /** The TLS version {@code connection} agreed ({@code TLSv1.3}, {@code TLSv1.2}), {@code none} on the plain port. */
    public String tlsVersion(Channel connection) {
        return tls.orElseGet(() -> {
            SslHandler handler = connection.pipeline().get(SslHandler.class);
            return handler == null ? "unknown" : handler.engine().getSession().getProtocol();
        });
    }

    /** {@code HTTP/2}, else the version of the client's request line. */
    public String protocol(HttpVersion requestLine) {
        return http2 ? "HTTP/2" : requestLine.text();
    }
}

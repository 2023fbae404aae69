package dev.clb.lb.edge;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;

/** Which port and protocol a client request came in on: what {@code X-Forwarded-Proto} says and the access log shows. */
public record ClientSide(boolean secure, boolean http2) {
    public static final ClientSide PLAIN = new ClientSide(false, false);
    public static final ClientSide SECURE = new ClientSide(true, false);
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");

    ClientSide overHttp2() {
        return new ClientSide(secure, true);
    }

    public AsciiString scheme() {
        return secure ? HTTPS : HTTP;
    }

    /** The same text as {@link #scheme()}: a cached AsciiString gives its String without a copy. */
    public String schemeName() {
        return scheme().toString();
    }

    /**
     * The TLS version the connection agreed ({@code TLSv1.3}, {@code TLSv1.2}), {@code none} on the plain port. Read off the
     * connection's TLS handler, the stream's parent connection's for HTTP/2; once a connection (or stream) is enough.
     */
    public String tlsVersion(Channel channel) {
        if (!secure) return "none";
        Channel connection = channel.parent() != null && channel.pipeline().get(SslHandler.class) == null ? channel.parent() : channel;
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        return tls == null ? "unknown" : tls.engine().getSession().getProtocol();
    }

    /** {@code HTTP/2}, else the version of the client's request line. */
    public String protocol(HttpVersion requestLine) {
        return http2 ? "HTTP/2" : requestLine.text();
    }
}

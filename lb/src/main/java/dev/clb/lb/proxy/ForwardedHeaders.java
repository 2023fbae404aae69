package dev.clb.lb.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Locale;

/**
 * What the replica learns of the client: {@code X-Forwarded-For}, {@code -Proto} and {@code -Host}. Behind a trusted
 * proxy, {@link #APPEND} adds this hop to the list that proxy sent and keeps the protocol and host it saw; at the edge,
 * {@link #REPLACE} drops whatever the client claimed; {@link #OFF} leaves the headers as they came.
 */
public enum ForwardedHeaders {
    APPEND, REPLACE, OFF;

    static final AsciiString FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString HOST = AsciiString.cached("x-forwarded-host");

    public static ForwardedHeaders named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the X-Forwarded headers must be append, replace or off, not '" + name + "'");
        }
    }

    /** Sets the headers on a request from {@code peer} whose Host header was {@code host} (null: none), that came in over {@code scheme}. */
    void apply(HttpHeaders headers, String peer, String host, AsciiString scheme) {
        switch (this) {
            case OFF -> {
            }
            case APPEND -> {
                String list = headers.get(FOR);
                headers.set(FOR, list == null || list.isBlank() ? peer : list + ", " + peer);
                if (!headers.contains(PROTO)) headers.set(PROTO, scheme);
                if (host != null && !headers.contains(HOST)) headers.set(HOST, host);
            }
            case REPLACE -> {
                headers.set(FOR, peer);
                headers.set(PROTO, scheme);
                if (host != null) headers.set(HOST, host); else headers.remove(HOST);
            }
        }
    }
}

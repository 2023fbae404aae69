package dev.clb.lb.edge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Right after the TLS handler: when the handshake is done, hands the connection to HTTP/2 if ALPN chose h2 (the
 * HTTP/1 handlers behind it stay otherwise, as they were from accept), tells the handshake's outcome, and leaves.
 * Application data comes only after the handshake, so no byte reaches the HTTP/1 codec before the choice.
 */
public final class AlpnSwitch extends ChannelInboundHandlerAdapter {
    private final Http2Edge http2;
    private final TlsEvents events;

    public AlpnSwitch(Http2Edge http2, TlsEvents events) {
        this.http2 = http2;
        this.events = events;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SniCompletionEvent sni && !sni.isSuccess()) { // no ClientHello in time, or none at all: no handshake began
            events.handshakeFailed(reason(sni.cause()));
            ctx.pipeline().remove(this);
        } else if (event instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                SslHandler tls = ctx.pipeline().get(SslHandler.class);
                String protocol = tls.applicationProtocol() == null ? ApplicationProtocolNames.HTTP_1_1 : tls.applicationProtocol();
                events.handshook(tls.engine().getSession().getProtocol(), protocol);
                if (protocol.equals(ApplicationProtocolNames.HTTP_2)) http2.takeOver(ctx.pipeline(), ClientSide.SECURE);
            } else {
                events.handshakeFailed(reason(handshake.cause()));
            }
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(event);
    }

    /** The client went before a handshake ended either way. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        events.handshakeFailed("closed");
        ctx.pipeline().remove(this);
        ctx.fireChannelInactive();
    }

    /** A label of few values: timeout, closed (the client went before finishing), or the kind of refusal. */
    static String reason(Throwable cause) {
        if (cause instanceof SslHandshakeTimeoutException) return "timeout";
        if (cause instanceof ClosedChannelException) return "closed";
        if (cause instanceof SSLHandshakeException) return "refused";
        return cause instanceof NotSslRecordException ? "not_tls" : "error";
    }
}

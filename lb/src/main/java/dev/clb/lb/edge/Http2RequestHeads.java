package dev.clb.lb.edge;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;

/**
 * Makes the request heads of an HTTP/2 stream look as the HTTP/1 codec's do. Netty's conversion adds its own
 * {@code x-http2-*} headers (the stream id, the scheme); they describe this hop, not the request, so they go. And a
 * stream whose HEADERS frame ends it comes as one {@link FullHttpRequest}, head and body in one object, which the
 * proxy would write twice (once as the head, once as the body), so it is passed on as a head and a last content. A
 * stream error (a malformed head, a body longer or shorter than its content-length) resets the stream with the code
 * that says why (Netty would reset it as merely cancelled when it closes the stream's channel right after); the proxy
 * learns of it as the stream's end, and nothing of the offending frame has reached it.
 */
@ChannelHandler.Sharable
final class Http2RequestHeads extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpHeaders headers = request.headers();
        for (ExtensionHeaderNames name : ExtensionHeaderNames.values()) headers.remove(name.text());
        if (request instanceof FullHttpRequest full) {
            HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), headers);
            head.setDecoderResult(full.decoderResult());
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        } else {
            ctx.fireChannelRead(request);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2Exception.StreamException stream) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(stream.error()));
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}

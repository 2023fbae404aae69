package dev.clb.lb.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * A request body is framed by Content-Length or by exactly one {@code Transfer-Encoding: chunked}, nothing else.
 * Netty 4.2's decoder already refuses Content-Length with Transfer-Encoding, differing or repeated Content-Length,
 * a final coding other than chunked and chunked twice; it accepts other codings before chunked ({@code identity,
 * chunked}, {@code gzip, chunked}), which the proxy could not pass on faithfully (Transfer-Encoding is hop-by-hop),
 * and this refuses those.
 */
@ChannelHandler.Sharable
final class TransferEncodingCheck extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess() && request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            List<String> codings = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (codings.size() > 1 || !codings.get(0).trim().equalsIgnoreCase(HttpHeaderValues.CHUNKED.toString())) {
                request.setDecoderResult(DecoderResult.failure(new RejectedRequest(HttpResponseStatus.BAD_REQUEST,
                        "Transfer-Encoding must be just 'chunked', not '" + String.join(", ", codings) + "'")));
            }
        }
        ctx.fireChannelRead(msg);
    }
}

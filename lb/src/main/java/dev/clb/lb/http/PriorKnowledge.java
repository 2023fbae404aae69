package dev.clb.lb.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;

/**
 * h2c with prior knowledge on the plain port (RFC 9113, 3.3): a connection whose first bytes are the HTTP/2 client
 * preface becomes an HTTP/2 connection; any other leaves this handler behind at its first byte that differs, and
 * goes on as HTTP/1 with nothing changed. No HTTP/1 request starts with the preface: its method {@code PRI} exists
 * only to make sure of that.
 */
final class PriorKnowledge extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Http2Edge http2;

    PriorKnowledge(Http2Edge http2) {
        this.http2 = http2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int compared = Math.min(in.readableBytes(), PREFACE.readableBytes());
        if (!ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), compared)) {
            ctx.pipeline().remove(this); // what was read goes on to the HTTP/1 codec
        } else if (compared == PREFACE.readableBytes()) {
            http2.takeOver(ctx.pipeline(), ClientSide.PLAIN);
            ctx.pipeline().remove(this); // the preface goes on to the HTTP/2 codec, which expects it
        }
    }

}

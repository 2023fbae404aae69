package dev.clb.lb.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;

/**
 * h2c with prior knowledge on the plain port (RFC 9113, 3.3): a connection whose first bytes are the HTTP/2 client
 * preface becomes an HTTP/2 connection; any other leaves this handler behind at its first byte that differs, and
 * goes on as HTTP/1 with nothing changed. No HTTP/1 request starts with the preface: its method {@code PRI} exists
 * only to make sure of that. Not a {@code ByteToMessageDecoder}: leaving, that fires a read-complete event of its own,
 * and the {@link HeaderTimeout} would take the read that follows for the start of a new head.
 */
public final class PriorKnowledge extends ChannelInboundHandlerAdapter {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Http2Edge http2;
    /** The first bytes, while they are a part of the preface too short to decide on. */
    private ByteBuf held;

    public PriorKnowledge(Http2Edge http2) {
        this.http2 = http2;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = held == null ? bytes : ctx.alloc().buffer(held.readableBytes() + bytes.readableBytes()).writeBytes(held).writeBytes(bytes);
        if (held != null) {
            held.release();
            bytes.release();
            held = null;
        }
        int compared = Math.min(in.readableBytes(), PREFACE.readableBytes());
        boolean preface = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), compared);
        if (preface && compared < PREFACE.readableBytes()) {
            held = in;
            return;
        }
        if (preface) http2.takeOver(ctx.pipeline(), ClientSide.PLAIN);
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(in); // to the HTTP/2 codec, which expects the preface, or to the HTTP/1 one
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}

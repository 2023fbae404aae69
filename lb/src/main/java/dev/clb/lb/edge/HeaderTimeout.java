package dev.clb.lb.edge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The whole request head must arrive within the header timeout, counted from accept for a connection's first
 * request and from the first bytes after the previous request for the next one.
 *
 * <p>The codec passes nothing of a head on until it is complete, so "bytes arrived" is the read-complete event it
 * always passes on. Bytes that came in the same read as the end of the previous request cannot be told apart from
 * that end: for them the clock starts with the next read (a silent client is the idle timeout's business).
 *
 * <p>Behind TLS the clock starts when the handshake is done (until then the handshake's own timeout, as long, holds):
 * a 408 written before it would reach the client unencrypted.
 *
 * <p>On expiry with nothing in flight: 408 and close. With an earlier request still in flight, nothing is written
 * into its answer: a head that completes meanwhile is rejected with 408 in its turn, and if none does, the 408 is
 * written once every answer in flight has gone out.
 */
final class HeaderTimeout extends ChannelInboundHandlerAdapter {
    private enum Phase { NOT_WATCHING, BETWEEN_REQUESTS, HEAD_ARRIVING, IN_REQUEST }

    private final long timeoutMillis;
    private final Exchanges exchanges;
    private final boolean behindTls;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.NOT_WATCHING;
    private boolean requestEndedInThisRead;
    private boolean expired;
    private ScheduledFuture<?> deadline;

    HeaderTimeout(long timeoutMillis, Exchanges exchanges, boolean behindTls) {
        this.timeoutMillis = timeoutMillis;
        this.exchanges = exchanges;
        this.behindTls = behindTls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!behindTls) headStarts();
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (behindTls && event instanceof SslHandshakeCompletionEvent handshake && handshake.isSuccess() && ctx.channel().isActive()) headStarts();
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && phase != Phase.NOT_WATCHING) {
            cancel();
            phase = Phase.IN_REQUEST;
            if (expired && request.decoderResult().isSuccess()) {
                request.setDecoderResult(DecoderResult.failure(new RejectedRequest(HttpResponseStatus.REQUEST_TIMEOUT, late())));
            }
            expired = false;
        }
        if (msg instanceof LastHttpContent && phase == Phase.IN_REQUEST) {
            phase = Phase.BETWEEN_REQUESTS;
            requestEndedInThisRead = true;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (phase == Phase.BETWEEN_REQUESTS && !requestEndedInThisRead) headStarts();
        requestEndedInThisRead = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        phase = Phase.NOT_WATCHING;
        ctx.fireChannelInactive();
    }

    private void headStarts() {
        phase = Phase.HEAD_ARRIVING;
        deadline = ctx.executor().schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void expire() {
        deadline = null;
        if (phase != Phase.HEAD_ARRIVING) return;
        expired = true;
        exchanges.whenAllAnswered(() -> {
            if (expired && phase == Phase.HEAD_ARRIVING && ctx.channel().isActive()) {
                ClosingError.send(ctx, HttpResponseStatus.REQUEST_TIMEOUT, late());
            }
        });
    }

    private String late() {
        return "The request head did not arrive within " + timeoutMillis + " ms";
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}

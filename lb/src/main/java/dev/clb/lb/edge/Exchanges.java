package dev.clb.lb.edge;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Ticker;
import java.util.ArrayList;
import java.util.List;

/**
 * What is in flight on one client connection: request heads that came in, and final answers that went out (an
 * answer counts once its last piece is written to the socket; 1xx answers do not count). The timeouts ask it so
 * that they never close a connection that is still being served, nor write into the middle of another answer.
 */
final class Exchanges extends ChannelDuplexHandler implements ChannelFutureListener {
    private long heads;
    private long answersStarted;
    private long answered;
    private Ticker ticker;
    private long lastAnsweredNanos;
    private final List<Runnable> whenAllAnswered = new ArrayList<>();
    private final ChannelFutureListener voidWritten = written -> {
        if (!written.isSuccess() && written.channel().isRegistered()) written.channel().pipeline().fireExceptionCaught(written.cause());
        operationComplete(written);
    };

    /** Requests whose answer has not been written whole yet. */
    long unanswered() {
        return Math.max(0, heads - answered);
    }

    /** An answer's head has been written and its last piece has not. */
    boolean answering() {
        return answersStarted > answered;
    }

    boolean busy() {
        return answering() || unanswered() > 0;
    }

    long lastAnsweredNanos() {
        return lastAnsweredNanos;
    }

    /** Runs {@code action} now if nothing is in flight, else once the last request in flight is answered. */
    void whenAllAnswered(Runnable action) {
        if (busy()) {
            whenAllAnswered.add(action);
        } else {
            action.run();
        }
    }

    /** Times are read off the event loop's ticker, as Netty's own timeout handlers read them. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ticker = ctx.executor().ticker();
        lastAnsweredNanos = ticker.nanoTime();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) heads++;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            ctx.write(msg, promise);
            return;
        }
        if (msg instanceof HttpResponse) answersStarted++;
        if (msg instanceof LastHttpContent) {
            // a void promise (the proxy's usual write) becomes a promise with one listener that also passes a failure on
            // as the void promise would: unvoid() adds a listener of its own, and with this one a listener list
            ctx.write(msg, promise.isVoid() ? ctx.newPromise().addListener(voidWritten) : promise.addListener(this));
        } else {
            ctx.write(msg, promise);
        }
    }

    /** An answer's last piece is written (or failed to be: the connection is going then, and its waiters with it). */
    @Override
    public void operationComplete(ChannelFuture written) {
        answered++;
        lastAnsweredNanos = ticker.nanoTime();
        if (busy() || whenAllAnswered.isEmpty()) return;
        List<Runnable> actions = List.copyOf(whenAllAnswered);
        whenAllAnswered.clear();
        actions.forEach(Runnable::run);
    }
}

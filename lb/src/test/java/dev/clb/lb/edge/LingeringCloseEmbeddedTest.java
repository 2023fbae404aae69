package dev.clb.lb.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LingeringClose} alone on a client connection in memory, the clock moved by the test. A close goes through the
 * pipeline, as a handler's {@code ctx.close()} does ({@link EmbeddedChannel#close()} itself would cancel the timers).
 */
class LingeringCloseEmbeddedTest {
    private final MockTicker clock = Ticker.newMockTicker();
    private final List<String> passedOn = new ArrayList<>();
    private final ClientConnection connection = new ClientConnection(EmbeddedChannel.builder().ticker(clock).handlers(new LingeringClose(),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    passedOn.add(((ByteBuf) msg).toString(StandardCharsets.ISO_8859_1));
                    ReferenceCountUtil.release(msg);
                }

                @Override
                public void channelReadComplete(ChannelHandlerContext ctx) {
                    passedOn.add("read complete");
                }
            }));

    @AfterEach
    void close() {
        connection.finishAndReleaseAll();
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    private void advance(long millis) {
        clock.advance(millis, TimeUnit.MILLISECONDS);
        connection.runPendingTasks();
    }

    @Test
    void aCloseShutsTheOutputAfterTheAnswerDropsWhatStillComesAndClosesAfterTheLingerTime() {
        connection.writeInbound(ascii("GET /home HTTP/1.1\r\n"));
        assertThat(passedOn).containsExactly("GET /home HTTP/1.1\r\n", "read complete");
        passedOn.clear();

        connection.writeAndFlush(ascii("HTTP/1.1 400 Bad Request\r\n\r\n"));
        ChannelFuture closing = connection.pipeline().close();
        assertThat(connection.isOutputShutdown()).as("the client reads the answer, then the end of the stream").isTrue();
        assertThat(connection.isOpen()).as("no reset while the client still sends").isTrue();
        assertThat(((ByteBuf) connection.readOutbound()).toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 400 Bad Request\r\n\r\n");

        connection.writeInbound(ascii("X-Rest-Of-A-Big-Head: " + "a".repeat(10_000) + "\r\n"));
        assertThat(passedOn).as("what reached the handlers behind it").isEmpty();
        advance(LingeringClose.LINGER_MILLIS - 1);
        assertThat(connection.isOpen()).isTrue();
        assertThat(closing.isDone()).isFalse();

        advance(1);
        assertThat(connection.isOpen()).isFalse();
        assertThat(closing.isSuccess()).isTrue();
    }

    @Test
    void aPromiseHandedToTheTransportIsLeftForTheTransportToComplete() {
        // as io_uring does: the channel is told inactive before the close completes, then the close's promise is set
        List<Boolean> doneBeforeTheTransport = new ArrayList<>();
        ClientConnection uring = new ClientConnection(EmbeddedChannel.builder().ticker(clock).handlers(new ChannelOutboundHandlerAdapter() {
            @Override
            public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
                ctx.close(ctx.newPromise()).addListener(closed -> {
                    doneBeforeTheTransport.add(promise.isDone());
                    promise.trySuccess();
                });
            }
        }, new LingeringClose()));
        try {
            ChannelFuture closing = uring.pipeline().close();
            clock.advance(LingeringClose.LINGER_MILLIS, TimeUnit.MILLISECONDS);
            uring.runPendingTasks();
            assertThat(uring.isOpen()).isFalse();
            assertThat(doneBeforeTheTransport).as("the promise was still the transport's to complete").containsExactly(false);
            assertThat(closing.isSuccess()).isTrue();
        } finally {
            uring.finishAndReleaseAll();
        }
    }

    @Test
    void aClientThatEndsItsSideEndsTheLingerAtOnce() {
        ChannelFuture closing = connection.pipeline().close();
        assertThat(closing.isDone()).isFalse();
        advance(LingeringClose.LINGER_MILLIS / 2);
        connection.endOfStream();
        assertThat(connection.isOpen()).isFalse();
        assertThat(closing.isSuccess()).isTrue();
    }
}

package dev.clb.lb.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

/** {@link Exchanges} counting answers written, on a connection whose writes fail (a socket the client reset). */
class ExchangesEmbeddedTest {
    private final RuntimeException reset = new RuntimeException("connection reset by peer");
    private final Exchanges exchanges = new Exchanges();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(reset);
        }
    }, exchanges);

    ExchangesEmbeddedTest() {
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/home"));
        ReferenceCountUtil.release(channel.readInbound());
    }

    @Test
    void aFailedLastWriteWithAVoidPromiseCountsTheAnswerAndReachesTheHandlersAsTheVoidPromiseWould() {
        channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), channel.voidPromise());
        assertThat(exchanges.busy()).isFalse();
        assertThatThrownBy(channel::checkException).isSameAs(reset);
    }

    @Test
    void aFailedLastWriteWithItsOwnPromiseCountsTheAnswerAndFailsThatPromiseOnly() {
        ChannelPromise promise = channel.newPromise();
        channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), promise);
        assertThat(exchanges.busy()).isFalse();
        assertThat(promise.cause()).isSameAs(reset);
        channel.checkException();
    }
}

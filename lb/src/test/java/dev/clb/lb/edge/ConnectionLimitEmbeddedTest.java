package dev.clb.lb.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link ConnectionLimit} on connections in memory, sharing one count as the public ports' connections do. */
class ConnectionLimitEmbeddedTest {
    private static final int MAX = 2;
    private final AtomicInteger open = new AtomicInteger();
    private final List<String> behind = new ArrayList<>();

    private EmbeddedChannel connection(ConnectionLimit.Refusal refusal) {
        return new EmbeddedChannel(new ConnectionLimit(open, MAX, refusal), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                behind.add("active");
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                behind.add("read");
                ReferenceCountUtil.release(msg);
            }
        });
    }

    @Test
    void oneOverTheLimitIsAnswered503AndClosedAndNothingBehindSeesIt() {
        EmbeddedChannel first = connection(ConnectionLimit.Refusal.ANSWER);
        connection(ConnectionLimit.Refusal.ANSWER);
        assertThat(behind).containsExactly("active", "active");
        behind.clear();

        EmbeddedChannel over = connection(ConnectionLimit.Refusal.ANSWER);
        FullHttpResponse refused = over.readOutbound();
        assertThat(refused.status().code()).isEqualTo(503);
        assertThat(refused.headers().get("connection")).isEqualTo("close");
        assertThat(refused.headers().get("content-type")).isEqualTo("application/json");
        assertThat(refused.content().toString(StandardCharsets.UTF_8))
                .isEqualTo(EmbeddedProxy.error("The load balancer has too many connections (limit " + MAX + "); try again later"));
        refused.release();
        assertThat(over.isOpen()).isFalse();
        assertThat(behind).isEmpty();
        assertThat(open.get()).isEqualTo(MAX);

        first.close();
        assertThat(open.get()).as("a slot freed").isEqualTo(MAX - 1);
        connection(ConnectionLimit.Refusal.ANSWER);
        assertThat(behind).containsExactly("active");
    }

    @Test
    void behindTlsOneOverTheLimitIsClosedWithoutAWord() {
        connection(ConnectionLimit.Refusal.CLOSE);
        connection(ConnectionLimit.Refusal.CLOSE);
        EmbeddedChannel over = connection(ConnectionLimit.Refusal.CLOSE);
        assertThat((ByteBuf) over.readOutbound()).isNull();
        assertThat(over.isOpen()).isFalse();
        assertThat(open.get()).isEqualTo(MAX);
    }

    @Test
    void anHttp2StreamOverTheLimitIsResetAsRefused() {
        connection(ConnectionLimit.Refusal.REFUSE_STREAM);
        connection(ConnectionLimit.Refusal.REFUSE_STREAM);
        EmbeddedChannel over = connection(ConnectionLimit.Refusal.REFUSE_STREAM);
        Http2ResetFrame reset = over.readOutbound();
        assertThat(reset.errorCode()).isEqualTo(Http2Error.REFUSED_STREAM.code());
        assertThat(open.get()).isEqualTo(MAX);
    }
}

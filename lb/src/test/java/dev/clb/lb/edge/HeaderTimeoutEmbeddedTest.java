package dev.clb.lb.edge;

import dev.clb.lb.upstream.ReplicaConnection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.edge.EmbeddedProxy.Answer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link HeaderTimeout} on one client connection in memory, the clock moved by the test. */
class HeaderTimeoutEmbeddedTest {
    private static final long HEADER_MS = 1_000;
    private final EmbeddedProxy proxy;

    HeaderTimeoutEmbeddedTest() throws Exception {
        proxy = new EmbeddedProxy(new ClientLimits(HEADER_MS, 60_000, 60_000, 100, 100));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void aHeadThatIsNotWholeWithinTheTimeoutFromAcceptGets408AndTheConnectionEnds() {
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\n");
        proxy.advance(HEADER_MS / 2);
        proxy.send("X-Line: 1\r\n"); // bytes keep coming, the head is still not whole
        proxy.advance(HEADER_MS / 2 - 1);
        assertThat(proxy.answers()).isEmpty();
        assertThat(proxy.client.ended()).isFalse();

        proxy.advance(1);
        List<Answer> answers = proxy.answers();
        assertThat(answers).hasSize(1);
        assertThat(answers.get(0).status()).isEqualTo(408);
        assertThat(answers.get(0).headers().get("connection")).isEqualTo("close");
        assertThat(answers.get(0).headers().get("content-type")).isEqualTo("application/json");
        assertThat(answers.get(0).body()).isEqualTo(EmbeddedProxy.error("The request head did not arrive within " + HEADER_MS + " ms"));
        assertThat(proxy.client.ended()).isTrue();
        assertThat(proxy.replicas.connects()).as("connections to the replica").isZero();
    }

    @Test
    void onAKeepAliveConnectionTheNextHeadIsTimedFromItsFirstBytesNotFromTheLastAnswer() {
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\n\r\n");
        ReplicaConnection replica = proxy.replicas.next();
        assertThat(replica.sent()).startsWith("GET /home HTTP/1.1\r\n");
        replica.receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);

        proxy.advance(3 * HEADER_MS); // idle between two requests: not a slow head
        assertThat(proxy.client.ended()).isFalse();
        proxy.send("GET /home HTTP/1.1\r\n");
        proxy.advance(HEADER_MS - 1);
        assertThat(proxy.answers()).isEmpty();
        proxy.advance(1);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(408);
        assertThat(proxy.client.ended()).isTrue();
    }

    /** Nothing is written into another answer: the 408 waits for the answer in flight. */
    @Test
    void aSlowHeadPipelinedBehindAnAnswerInFlightGets408OnlyAfterThatAnswer() {
        proxy.send("GET /slow HTTP/1.1\r\nHost: lb\r\n\r\nGET /home HTTP/1.1\r\n");
        proxy.send("Host: lb\r\n"); // a read after the one that ended the first request: the clock runs
        ReplicaConnection replica = proxy.replicas.next();
        assertThat(replica.sent()).startsWith("GET /slow HTTP/1.1\r\n");
        proxy.advance(HEADER_MS);
        proxy.advance(HEADER_MS);
        assertThat(proxy.answers()).as("nothing while the first answer is awaited").isEmpty();
        assertThat(proxy.client.ended()).isFalse();

        replica.receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(200, 408);
        assertThat(answers.get(1).body()).isEqualTo(EmbeddedProxy.error("The request head did not arrive within " + HEADER_MS + " ms"));
        assertThat(proxy.client.ended()).isTrue();
    }

    /**
     * Bytes that came in the same read as the end of the request before them cannot be told apart from it: the header
     * clock does not start for them, and a client that sends nothing more is the idle timeout's, after the answer.
     */
    @Test
    void aHeadFragmentInTheSameReadAsTheRequestBeforeItEndsAtTheIdleTimeoutAfterTheAnswerWithout408() throws Exception {
        long idleMs = 1_500;
        try (EmbeddedProxy idle = new EmbeddedProxy(new ClientLimits(HEADER_MS, idleMs, 60_000, 100, 100))) {
            idle.send("GET /slow HTTP/1.1\r\nHost: lb\r\n\r\nGET /home HTTP/1.1\r\nHo");
            ReplicaConnection replica = idle.replicas.next();
            idle.advance(2_500);
            assertThat(idle.answers()).isEmpty();
            replica.receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            assertThat(idle.answers()).extracting(Answer::status).containsExactly(200);
            idle.advance(idleMs - 1);
            assertThat(idle.client.ended()).isFalse();
            idle.advance(1);
            assertThat(idle.client.ended()).isTrue();
            assertThat(idle.answers()).as("nothing after the whole first answer").isEmpty();
        }
    }
}

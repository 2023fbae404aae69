package dev.clb.lb.edge;

import dev.clb.lb.upstream.ReplicaConnection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.edge.EmbeddedProxy.Answer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link BodyTimeout} on one client connection in memory, the clock moved by the test. */
class BodyTimeoutEmbeddedTest {
    private static final long BODY_MS = 1_000;
    private final EmbeddedProxy proxy;

    BodyTimeoutEmbeddedTest() throws Exception {
        proxy = new EmbeddedProxy(new ClientLimits(60_000, 60_000, BODY_MS, 100, 100));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void aBodyThatStallsGets408CountedFromItsLastPiece() {
        proxy.send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 10\r\n\r\nabc");
        ReplicaConnection replica = proxy.replicas.next();
        assertThat(replica.sent()).startsWith("POST /upload HTTP/1.1\r\n").endsWith("abc");
        proxy.advance(BODY_MS / 2);
        proxy.send("de");
        proxy.advance(BODY_MS - 1);
        assertThat(proxy.answers()).as("within the body timeout of the last piece").isEmpty();

        proxy.advance(1);
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(408);
        assertThat(answers.get(0).body()).isEqualTo(EmbeddedProxy.error("The request body stalled: nothing arrived for " + BODY_MS + " ms"));
        assertThat(answers.get(0).headers().get("connection")).isEqualTo("close");
        assertThat(proxy.client.ended()).isTrue();
    }

    /** The client is not the one waiting while the proxy does not read it (the replica cannot take more). */
    @Test
    void timeWhileTheProxyDoesNotReadTheClientDoesNotCount() {
        proxy.send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 10\r\n\r\nabc");
        proxy.client.config().setAutoRead(false);
        proxy.advance(BODY_MS);
        proxy.advance(5 * BODY_MS);
        assertThat(proxy.answers()).isEmpty();

        proxy.client.config().setAutoRead(true);
        proxy.advance(BODY_MS);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(408);
    }

    /** A 408 cannot follow the head of an answer already going out: the connection ends without a word. */
    @Test
    void aBodyThatStallsWhileItsAnswerIsGoingOutEndsTheConnectionSilently() {
        proxy.send("POST /upload HTTP/1.1\r\nHost: lb\r\nContent-Length: 10\r\n\r\nabc");
        ReplicaConnection replica = proxy.replicas.next();
        replica.receive("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok"); // half of its body
        proxy.advance(BODY_MS);
        assertThat(proxy.answers()).as("no second answer written into the first").isEmpty();
        assertThat(proxy.client.ended()).isTrue();
        assertThat(proxy.received()).as("what the client got: the 200 cut short").isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok");
    }
}

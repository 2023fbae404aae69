package dev.clb.lb.edge;

import dev.clb.lb.upstream.ReplicaConnection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.edge.EmbeddedProxy.Answer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Drain} on one client connection in memory, the clock moved by the test; the idle timeout (60 s) is far away. */
class DrainEmbeddedTest {
    private final EmbeddedProxy proxy;

    DrainEmbeddedTest() throws Exception {
        proxy = new EmbeddedProxy(new ClientLimits(60_000, 60_000, 60_000, 100, 100));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    private void drainStarts() {
        proxy.drain.start();
        proxy.client.runPendingTasks();
    }

    @Test
    void theAnswerToTheLastRequestInFlightSaysCloseAndTheConnectionEndsOnceItIsWrittenWhole() {
        proxy.send("GET /slow HTTP/1.1\r\nHost: lb\r\n\r\n");
        ReplicaConnection replica = proxy.replicas.next();
        assertThat(replica.sent()).startsWith("GET /slow HTTP/1.1\r\n");
        drainStarts();
        assertThat(proxy.drain.open()).isEqualTo(1);
        proxy.advance(Drain.IDLE_GRACE_MILLIS);
        assertThat(proxy.client.ended()).as("a request in flight").isFalse();

        replica.receive("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok");
        assertThat(proxy.client.ended()).as("half of the answer written").isFalse();
        replica.receive("ok");
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(200);
        assertThat(answers.get(0).headers().get("connection")).isEqualTo("close");
        assertThat(answers.get(0).body()).isEqualTo("okok");
        assertThat(proxy.client.ended()).isTrue();
    }

    /** Once told to close, the client's next request is not the load balancer's to serve: nothing was done with it. */
    @Test
    void aRequestSentAfterTheAnswerSayingCloseBeganIsDroppedUnread() {
        proxy.send("GET /slow HTTP/1.1\r\nHost: lb\r\n\r\n");
        ReplicaConnection replica = proxy.replicas.next();
        assertThat(replica.sent()).startsWith("GET /slow HTTP/1.1\r\n");
        drainStarts();
        replica.receive("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok");
        proxy.send("GET /next HTTP/1.1\r\nHost: lb\r\n\r\n");
        replica.receive("ok");

        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);
        assertThat(proxy.client.ended()).isTrue();
        assertThat(replica.sent()).as("what the replica got after the first request").isEmpty();
        assertThat(proxy.replicas.connects()).isEqualTo(1);
    }

    @Test
    void anIdleKeepAliveConnectionEndsOnceQuietForTheGraceNotAtOnce() {
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\n\r\n");
        proxy.replicas.next().receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);
        proxy.advance(5_000);

        drainStarts();
        proxy.advance(Drain.IDLE_GRACE_MILLIS - 1);
        assertThat(proxy.client.ended()).isFalse();
        proxy.advance(1);
        assertThat(proxy.client.ended()).isTrue();
        assertThat(proxy.answers()).isEmpty();
    }

    /** A client between two requests at the drain sends its next one on the connection it has: answered, and told to close. */
    @Test
    void aRequestSentDuringTheGraceIsAnsweredWithClose() {
        drainStarts();
        proxy.advance(Drain.IDLE_GRACE_MILLIS - 1);
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\n\r\n");
        proxy.advance(Drain.IDLE_GRACE_MILLIS);
        assertThat(proxy.client.ended()).as("a request in flight").isFalse();

        proxy.replicas.next().receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(200);
        assertThat(answers.get(0).headers().get("connection")).isEqualTo("close");
        assertThat(proxy.client.ended()).isTrue();
    }

    @Test
    void aConnectionAcceptedAfterTheDrainBeganDrainsToo() throws Exception {
        Drain started = new Drain();
        started.start();
        try (EmbeddedProxy late = new EmbeddedProxy(new ClientLimits(60_000, 60_000, 60_000, 100, 100), started)) {
            late.advance(Drain.IDLE_GRACE_MILLIS - 1);
            assertThat(late.client.ended()).isFalse();
            late.advance(1);
            assertThat(late.client.ended()).isTrue();
        }
    }
}

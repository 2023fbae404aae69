package dev.clb.lb.edge;

import dev.clb.lb.upstream.ReplicaConnection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.edge.EmbeddedProxy.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link IdleTimeout} on one client connection in memory, the clock moved by the test. */
class IdleTimeoutEmbeddedTest {
    private static final long IDLE_MS = 1_500;
    private final EmbeddedProxy proxy;

    IdleTimeoutEmbeddedTest() throws Exception {
        proxy = new EmbeddedProxy(new ClientLimits(60_000, IDLE_MS, 60_000, 100, 100));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void aKeepAliveConnectionWithNothingInFlightEndsSilentlyAtTheIdleTimeoutAfterItsLastAnswer() {
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\n\r\n");
        ReplicaConnection replica = proxy.replicas.next();
        proxy.advance(IDLE_MS - 100);
        replica.receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);

        proxy.advance(IDLE_MS - 1);
        assertThat(proxy.client.ended()).as("within the idle timeout of the last answer").isFalse();
        proxy.advance(1);
        assertThat(proxy.client.ended()).isTrue();
        assertThat(proxy.answers()).as("closed without a word").isEmpty();
    }

    @Test
    void aConnectionWhoseRequestWaitsForASlowReplicaStaysOpen() {
        proxy.send("GET /slow HTTP/1.1\r\nHost: lb\r\n\r\n");
        ReplicaConnection replica = proxy.replicas.next();
        for (int i = 0; i < 10; i++) proxy.advance(IDLE_MS);
        assertThat(proxy.client.ended()).as("waiting " + 10 * IDLE_MS + " ms for the replica").isFalse();

        replica.receive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);
        proxy.advance(IDLE_MS);
        assertThat(proxy.client.ended()).as("idle from the answer on").isTrue();
    }

    @Test
    void bytesComingInKeepTheConnectionOpen() {
        proxy.advance(IDLE_MS - 1);
        proxy.send("GET /home HTTP/1.1\r\n"); // a head on its way: the header timeout's business, not the idle timeout's
        proxy.advance(IDLE_MS - 1);
        assertThat(proxy.client.ended()).isFalse();
        proxy.advance(1);
        assertThat(proxy.client.ended()).isTrue();
    }
}

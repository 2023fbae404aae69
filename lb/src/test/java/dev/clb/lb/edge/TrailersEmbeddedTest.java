package dev.clb.lb.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.clb.lb.edge.EmbeddedProxy.Answer;
import dev.clb.lb.upstream.ReplicaConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A chunked answer's trailers on the way through, in memory: the replica side takes them into its trailers map and they reach the client. */
class TrailersEmbeddedTest {
    private final EmbeddedProxy proxy;

    TrailersEmbeddedTest() throws Exception {
        proxy = new EmbeddedProxy(new ClientLimits(60_000, 60_000, 60_000, 100, 100));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    @Test
    void aChunkedAnswersTrailersReachTheClient() {
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\n\r\n");
        ReplicaConnection replica = proxy.replicas.next();
        replica.receive("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Checksum: abc\r\nX-Count: 2\r\nX-Last: 3\r\n\r\n");
        assertThat(proxy.answers()).extracting(Answer::status, Answer::body).containsExactly(tuple(200, "ok"));
        assertThat(proxy.received()).contains("\r\n0\r\nX-Checksum: abc\r\nX-Count: 2\r\nX-Last: 3\r\n\r\n");
    }
}

package dev.clb.lb.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.edge.EmbeddedProxy.Answer;
import dev.clb.lb.upstream.ReplicaConnection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the proxy counts towards an outlier ejection, attempt by attempt, on a client connection in memory with two
 * replicas and two failures in a row to eject: a 5xx answer and a gateway failure count against the replica of that
 * attempt, a retried attempt's outcome against the replica it went to, and any answer below 500 starts the count again.
 */
class OutlierCountingEmbeddedTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private static final String NOT_FOUND = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    private static final String UNAVAILABLE = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    private static final String ERROR = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";

    private EmbeddedProxy proxy;
    private final Map<Replica, ReplicaConnection> connections = new HashMap<>();

    @BeforeEach
    void connect() throws Exception {
        proxy = EmbeddedProxy.withOutlierDetection(new ClientLimits(60_000, 60_000, 60_000, 100, 100),
                new OutlierDetection.Settings(2, Duration.ofSeconds(30), 50));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    /** A request id the ring gives to {@code replica}. */
    private long idOf(Replica replica) {
        for (long id = 100_000; ; id++) {
            if (proxy.ring.lookup(id).value() == replica) return id;
        }
    }

    /** Sends a GET whose id the ring gives to {@code replica}. */
    private void sendTo(Replica replica) {
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\nX-Request-Id: " + idOf(replica) + "\r\n\r\n");
    }

    /** The connection the request just sent went out on, which must be to {@code replica}: its kept-alive one, or a new one. */
    private ReplicaConnection wentTo(Replica replica) {
        ReplicaConnection connection = connections.get(replica);
        if (connection == null || !connection.isOpen()) {
            connection = proxy.replicas.next();
            assertThat(((InetSocketAddress) connection.connectingTo()).getPort()).as("the port of %s", replica.hostname())
                    .isEqualTo(replica.address().port());
            connections.put(replica, connection);
        }
        assertThat(connection.sent()).startsWith("GET /home HTTP/1.1\r\n");
        return connection;
    }

    /** A GET for {@code replica}, answered {@code answer} there: the status the client got. */
    private int answered(Replica replica, String answer) {
        sendTo(replica);
        wentTo(replica).receive(answer);
        List<Answer> answers = proxy.answers();
        assertThat(answers).hasSize(1);
        return answers.get(0).status();
    }

    /** The replica closes {@code connection} before it answers, and the loop runs what that set off. */
    private void reset(ReplicaConnection connection) {
        connection.close();
        proxy.client.runPendingTasks();
    }

    private boolean ejected(Replica replica) {
        return replica.ejection().isEjected(proxy.clock);
    }

    @Test
    void fiveHundredsInARowEjectAndAnyAnswerBelow500StartsTheCountAgain() {
        assertThat(answered(proxy.replica, UNAVAILABLE)).isEqualTo(503);
        assertThat(answered(proxy.replica, OK)).isEqualTo(200);
        assertThat(answered(proxy.replica, UNAVAILABLE)).isEqualTo(503);
        assertThat(ejected(proxy.replica)).as("one 5xx since the 200").isFalse();
        assertThat(answered(proxy.replica, NOT_FOUND)).as("the spec's 400 for a replica's 404").isEqualTo(400);
        assertThat(answered(proxy.replica, ERROR)).isEqualTo(500);
        assertThat(ejected(proxy.replica)).as("one 5xx since the 404").isFalse();
        assertThat(answered(proxy.other, UNAVAILABLE)).isEqualTo(503);
        assertThat(ejected(proxy.replica)).as("the other replica's 5xx is not this one's").isFalse();

        assertThat(answered(proxy.replica, UNAVAILABLE)).isEqualTo(503);
        assertThat(ejected(proxy.replica)).as("two 5xx in a row").isTrue();
        assertThat(ejected(proxy.other)).isFalse();
        sendTo(proxy.replica);
        wentTo(proxy.other).receive(OK);
        assertThat(proxy.answers()).extracting(Answer::status).as("its keys go to the other replica").containsExactly(200);
    }

    @Test
    void aRetriedAttemptsAnswerCountsAgainstTheReplicaItWentTo() {
        sendTo(proxy.replica);
        reset(wentTo(proxy.replica)); // before any answer: the GET is retried on the next replica
        wentTo(proxy.other).receive(UNAVAILABLE);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(503);
        assertThat(ejected(proxy.replica)).isFalse();
        assertThat(ejected(proxy.other)).isFalse();

        assertThat(answered(proxy.other, UNAVAILABLE)).isEqualTo(503);
        assertThat(ejected(proxy.other)).as("the retried attempt's 5xx, then this one").isTrue();
        assertThat(answered(proxy.replica, ERROR)).isEqualTo(500);
        assertThat(ejected(proxy.replica)).as("at most one of two replicas is ejected (50 %)").isFalse();
    }

    @Test
    void aGatewayFailureCountsAgainstItsReplicaAndTheRetrysSuccessResetsOnlyTheReplicaThatAnswered() {
        assertThat(answered(proxy.other, UNAVAILABLE)).isEqualTo(503);
        sendTo(proxy.replica);
        reset(wentTo(proxy.replica));
        wentTo(proxy.other).receive(OK);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);

        assertThat(answered(proxy.other, UNAVAILABLE)).isEqualTo(503);
        assertThat(ejected(proxy.other)).as("the retry's 200 started its count again").isFalse();
        assertThat(answered(proxy.replica, UNAVAILABLE)).isEqualTo(503);
        assertThat(ejected(proxy.replica)).as("the reset, then a 5xx").isTrue();
    }
}

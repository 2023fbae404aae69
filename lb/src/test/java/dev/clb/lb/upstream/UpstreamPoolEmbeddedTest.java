package dev.clb.lb.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.backend.LatencyWindow;
import dev.clb.lb.backend.Replica;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The deadlines of one event loop's {@link UpstreamPool}, in memory: the loop is an EmbeddedChannel's, on a
 * {@link MockTicker} the test moves a millisecond at a time; the replica's connections are {@link ReplicaConnection}s.
 */
class UpstreamPoolEmbeddedTest {
    private static final long TIMEOUT_MS = 5_000;
    private static final long DEADLINE_MS = 300;
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final MockTicker clock = Ticker.newMockTicker();
    private final EmbeddedChannel loop = EmbeddedChannel.builder().ticker(clock).build();
    private final EmbeddedReplicas replicas = new EmbeddedReplicas();
    private final Replica replica = replicas.replica("server-1");
    private final UpstreamPool pool = new UpstreamPool(loop.eventLoop(), 0, replicas.transport(), 2_000);

    @AfterEach
    void close() {
        loop.finishAndReleaseAll();
    }

    /** A GET sent whole at once, as the proxy sends one, and what became of it. */
    private final class Request implements UpstreamPool.Listener {
        private final long deadlineMillis;
        UpstreamPool.Call call;
        HttpResponse head;
        final StringBuilder body = new StringBuilder();
        boolean ended;
        Throwable failure;
        long failedAtMillis = -1;

        Request(long deadlineMillis) {
            this.deadlineMillis = deadlineMillis;
        }

        @Override
        public HttpRequest head(AsciiString host) {
            HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/home");
            head.headers().set("host", host);
            return head;
        }

        @Override
        public boolean replayable() {
            return true;
        }

        @Override
        public long deadlineMillis(Replica to, LatencyWindow recent) {
            return deadlineMillis;
        }

        @Override
        public void attached(UpstreamPool.Call call) {
            this.call = call;
            call.write(LastHttpContent.EMPTY_LAST_CONTENT);
            call.flush();
        }

        @Override
        public void onHead(HttpResponse response) {
            head = response;
        }

        @Override
        public void onContent(HttpContent content) {
            body.append(content.content().toString(StandardCharsets.ISO_8859_1));
            ended = content instanceof LastHttpContent;
            content.release();
        }

        @Override
        public void onFailure(Throwable cause) {
            failure = cause;
            failedAtMillis = now();
        }

        @Override
        public void flush() {
        }

        @Override
        public void writable() {
        }
    }

    private Request send(long timeoutMillis, long deadlineMillis) {
        Request request = new Request(deadlineMillis);
        pool.send(replica, timeoutMillis, request);
        loop.runPendingTasks();
        return request;
    }

    private long now() {
        return TimeUnit.NANOSECONDS.toMillis(clock.nanoTime());
    }

    /** {@code millis} pass, each timer run at the millisecond it was due. */
    private void advance(long millis) {
        for (long ms = 0; ms < millis; ms++) {
            clock.advance(1, TimeUnit.MILLISECONDS);
            loop.runPendingTasks();
        }
    }

    @Test
    void aReplicaSilentForTheTimeoutFailsTheCallAndItsConnectionCloses() {
        Request request = send(1_000, 0);
        ReplicaConnection connection = replicas.next();
        assertThat(connection.sent()).startsWith("GET /home HTTP/1.1\r\n");
        advance(999);
        assertThat(request.failure).isNull();
        advance(1);
        assertThat(request.failure).isInstanceOf(TimeoutException.class).hasMessage("no answer within 1000 ms");
        assertThat(connection.isOpen()).isFalse();
    }

    @Test
    void theTimeoutCountsTheReplicasSilenceNotTheWholeAnswer() {
        Request request = send(1_000, 0);
        ReplicaConnection connection = replicas.next();
        advance(600);
        connection.receive("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok");
        assertThat(request.head.status().code()).isEqualTo(200);
        advance(999);
        assertThat(request.failure).as("1 s after the last piece, not after the request").isNull();
        advance(1);
        assertThat(request.failure).isInstanceOf(TimeoutException.class);
        assertThat(request.failedAtMillis).isEqualTo(1_600);
    }

    /** The proxy stops reading the replica while the client cannot take more: that wait is the client's, not the replica's. */
    @Test
    void timeTheClientHoldsTheAnswerBackDoesNotCount() {
        Request request = send(1_000, 0);
        ReplicaConnection connection = replicas.next();
        connection.receive("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok");
        request.call.reading(false);
        advance(5_000);
        assertThat(request.failure).isNull();
        request.call.reading(true);
        advance(999);
        assertThat(request.failure).isNull();
        advance(1);
        assertThat(request.failure).isInstanceOf(TimeoutException.class);
    }

    @Test
    void aFirstAttemptPastItsDeadlineOnAReplicaThatAnswersNoOneFailsAndTheReplicaIsPassedOverForAsLong() {
        Request request = send(TIMEOUT_MS, DEADLINE_MS);
        ReplicaConnection connection = replicas.next();
        advance(DEADLINE_MS - 1);
        assertThat(request.failure).isNull();
        assertThat(pool.seemsHung(replica)).isFalse();
        advance(1);
        assertThat(request.failure).isInstanceOf(AttemptDeadlineException.class);
        assertThat(connection.isOpen()).isFalse();
        assertThat(pool.seemsHung(replica)).isTrue();
        advance(DEADLINE_MS - 1);
        assertThat(pool.seemsHung(replica)).as("passed over for as long as the deadline").isTrue();
        advance(1);
        assertThat(pool.seemsHung(replica)).isFalse();
    }

    /** A replica that keeps answering others is slow (or busy), not hung: sending its requests elsewhere would only add load. */
    @Test
    void theDeadlineWaitsUntilTheReplicaHasAnsweredNoOneForAsLong() {
        Request slow = send(TIMEOUT_MS, DEADLINE_MS);
        Request other = send(TIMEOUT_MS, DEADLINE_MS);
        replicas.next();
        ReplicaConnection otherConnection = replicas.next();
        advance(200);
        otherConnection.receive(OK);
        assertThat(other.ended).isTrue();
        advance(DEADLINE_MS - 1);
        assertThat(slow.failure).as("at " + now() + " ms: the replica answered 299 ms ago").isNull();
        advance(DEADLINE_MS);
        assertThat(slow.failure).isInstanceOf(AttemptDeadlineException.class);
        assertThat(slow.failedAtMillis).as("ms: once the replica was quiet for the deadline, within a quarter of it")
                .isBetween(200 + DEADLINE_MS, 200 + DEADLINE_MS + DEADLINE_MS / 4);
    }

    @Test
    void anAnswerEndsTheReplicasPassOver() {
        Request hung = send(TIMEOUT_MS, DEADLINE_MS);
        Request patient = send(TIMEOUT_MS, 0);
        replicas.next();
        ReplicaConnection patientConnection = replicas.next();
        advance(DEADLINE_MS);
        assertThat(hung.failure).isInstanceOf(AttemptDeadlineException.class);
        assertThat(pool.seemsHung(replica)).isTrue();
        patientConnection.receive(OK);
        assertThat(patient.ended).isTrue();
        assertThat(pool.seemsHung(replica)).isFalse();
    }

    @Test
    void aConnectThatTheReplicaNeverAcceptsEndsAtTheAttemptDeadline() {
        replicas.acceptNone(replica);
        Request request = send(TIMEOUT_MS, DEADLINE_MS);
        advance(DEADLINE_MS - 1);
        assertThat(request.failure).isNull();
        advance(1);
        assertThat(request.failure).isInstanceOf(ConnectTimeoutException.class)
                .hasMessage("no connection within " + DEADLINE_MS + " ms (the attempt's deadline): the replica accepts none");
        assertThat(pool.seemsHung(replica)).isTrue();
        assertThat(replicas.connects()).isEqualTo(1);
    }

    /** A burst of connections can overflow a healthy replica's accept queue; it still answers on the connections it has. */
    @Test
    void aConnectWaitsPastTheDeadlineWhileTheReplicaAnswersOnItsOtherConnections() {
        Request first = send(TIMEOUT_MS, 0);
        ReplicaConnection accepted = replicas.next();
        replicas.acceptNone(replica);
        Request queued = send(TIMEOUT_MS, DEADLINE_MS);
        advance(100);
        accepted.receive(OK);
        assertThat(first.ended).isTrue();
        advance(DEADLINE_MS - 1);
        assertThat(queued.failure).as("at " + now() + " ms: the replica answered 299 ms ago").isNull();
        advance(1);
        assertThat(queued.failure).isInstanceOf(ConnectTimeoutException.class);
        assertThat(queued.failedAtMillis).isEqualTo(100 + DEADLINE_MS);
    }
}

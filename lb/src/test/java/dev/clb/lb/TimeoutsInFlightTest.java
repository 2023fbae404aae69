package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client timeouts against a real replica that can be made slow ({@code /test/delay}): they close idle and
 * stalled connections, never one whose request is waiting for the replica, and never write into another answer.
 */
class TimeoutsInFlightTest {
    private static final int HEADER_MS = 1_000;
    private static final int IDLE_MS = 1_500;
    private static final int BODY_MS = 1_000;
    private static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start("--replicas", "1", "--standby", "0", "--replica-env", "REPLICA_TEST_PATHS=true",
                "--header-timeout", Integer.toString(HEADER_MS), "--idle-timeout", Integer.toString(IDLE_MS),
                "--body-timeout", Integer.toString(BODY_MS));
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    @Test
    void aSlowHeadPipelinedBehindASlowAnswerGets408OnlyAfterThatAnswer() throws Exception {
        try (Socket client = new Socket("127.0.0.1", stack.lb.port())) {
            client.setSoTimeout(15_000);
            long start = System.nanoTime();
            OutputStream out = client.getOutputStream();
            out.write(ascii("GET /test/delay?ms=2500 HTTP/1.1\r\nHost: lb\r\n\r\nGET /home HTTP/1.1\r\n"));
            Thread.sleep(300);
            out.write(ascii("Host: lb\r\n"));
            InputStream in = client.getInputStream();
            RawAnswer first = RawAnswer.readOnly(in);
            long firstAt = millisSince(start);
            RawAnswer second = RawAnswer.read(in);
            System.out.printf("PIPELINED SLOW HEAD: the slow answer after %d ms, then 408 and close after %d ms (header timeout %d ms)%n",
                    firstAt, millisSince(start), HEADER_MS);
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).contains("Hello from Server");
            assertThat(second.status()).isEqualTo(408);
            assertThat(second.body()).isEqualTo(RawAnswer.error("The request head did not arrive within " + HEADER_MS + " ms"));
            assertThat(second.closedAfter()).isTrue();
        }
    }

    /** Bytes that come in the same read as the end of the request before them cannot be told apart from it (see HeaderTimeout). */
    @Test
    void aHeadFragmentSentWithTheRequestBeforeItAndNothingMoreEndsAtTheIdleTimeoutAfterTheAnswer() throws Exception {
        try (Socket client = new Socket("127.0.0.1", stack.lb.port())) {
            client.setSoTimeout(15_000);
            long start = System.nanoTime();
            client.getOutputStream().write(ascii("GET /test/delay?ms=2500 HTTP/1.1\r\nHost: lb\r\n\r\nGET /home HTTP/1.1\r\nHo"));
            InputStream in = client.getInputStream();
            RawAnswer first = RawAnswer.readOnly(in);
            long firstAt = millisSince(start);
            int next = in.read();
            System.out.printf("PIPELINED HEAD FRAGMENT: the slow answer after %d ms, then closed after %d ms (idle timeout %d ms)%n",
                    firstAt, millisSince(start), IDLE_MS);
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).contains("Hello from Server");
            assertThat(next).as("nothing after the whole first answer").isEqualTo(-1);
        }
    }

    @Test
    void anIdleConnectionIsClosedSilentlyButOneWaitingForASlowReplicaIsNot() throws Exception {
        try (Socket idle = new Socket("127.0.0.1", stack.lb.port()); Socket waiting = new Socket("127.0.0.1", stack.lb.port())) {
            idle.setSoTimeout(15_000);
            waiting.setSoTimeout(15_000);
            idle.getOutputStream().write(ascii("GET /home HTTP/1.1\r\nHost: lb\r\n\r\n"));
            assertThat(RawAnswer.readOnly(idle.getInputStream()).status()).isEqualTo(200);
            long answered = System.nanoTime();
            long start = System.nanoTime();
            waiting.getOutputStream().write(ascii("GET /test/delay?ms=" + (IDLE_MS * 2) + " HTTP/1.1\r\nHost: lb\r\n\r\n"));

            assertThat(idle.getInputStream().read()).as("the idle connection ends without a byte").isEqualTo(-1);
            long idleClosed = millisSince(answered);
            RawAnswer slow = RawAnswer.readOnly(waiting.getInputStream());
            System.out.printf("IDLE: closed %d ms after its last answer (idle timeout %d ms); a request waiting %d ms for the replica answered %d after %d ms%n",
                    idleClosed, IDLE_MS, IDLE_MS * 2, slow.status(), millisSince(start));
            assertThat(idleClosed).isBetween(IDLE_MS - 100L, IDLE_MS + 5_000L);
            assertThat(slow.status()).isEqualTo(200);
        }
    }

    @Test
    void aStalledBodyGets408AndTheConnectionIsClosed() throws Exception {
        try (Socket client = new Socket("127.0.0.1", stack.lb.port())) {
            client.setSoTimeout(15_000);
            OutputStream out = client.getOutputStream();
            long start = System.nanoTime();
            // a replica that waits for the whole body (the streaming path sends it the head at once)
            out.write(ascii("POST /test/delay?ms=0 HTTP/1.1\r\nHost: lb\r\nContent-Length: 10\r\n\r\nabc"));
            Thread.sleep(BODY_MS / 2);
            out.write(ascii("de"));
            RawAnswer answer = RawAnswer.read(client.getInputStream());
            long after = millisSince(start);
            System.out.printf("STALLED BODY: 408 and closed %d ms after the head (body timeout %d ms, last piece at %d ms)%n", after, BODY_MS, BODY_MS / 2);
            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.body()).isEqualTo(RawAnswer.error("The request body stalled: nothing arrived for " + BODY_MS + " ms"));
            assertThat(answer.closedAfter()).isTrue();
            assertThat(after).as("counted from the last piece, not the head").isGreaterThanOrEqualTo(BODY_MS + BODY_MS / 2 - 100L);
        }
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** An HTTP/2 connection's and stream's own end: GOAWAY when idle, 408 for a stalled body, on shutdown once the open streams are answered. */
class Http2ConnectionTest {

    @Test
    void anIdleConnectionIsClosedWithGoAway() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(60_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address(), "--idle-timeout", "500");
             RawH2 h2 = new RawH2(stack.lb.port())) {
            h2.headers(1, RawH2.request("GET", "/home").set("x-request-id", "1"), true);
            assertThat(h2.outcome(1).status()).isEqualTo(200);
            long start = System.nanoTime();
            int code = h2.goAwayThenClose();
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("HTTP/2 IDLE: GOAWAY %d and closed %d ms after the last answer (idle timeout 500)%n", code, ms);
            assertThat(code).isZero();
            assertThat(ms).isBetween(300L, 3_000L);
        }
    }

    @Test
    void aStreamWhoseBodyStallsGets408AndTheConnectionGoesOn() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(60_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address(), "--body-timeout", "500");
             RawH2 h2 = new RawH2(stack.lb.port())) {
            h2.headers(1, RawH2.request("POST", "/echo").setInt("content-length", 10), false);
            h2.data(1, "abc".getBytes(StandardCharsets.US_ASCII), false);
            long start = System.nanoTime();
            RawH2.Outcome stalled = h2.outcome(1);
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("HTTP/2 STALLED BODY: %s after %d ms (body timeout 500)%n", stalled, ms);
            assertThat(stalled.status()).isEqualTo(408);
            assertThat(ms).isBetween(400L, 3_000L);
            h2.headers(3, RawH2.request("GET", "/home").set("x-request-id", "3"), true);
            assertThat(h2.outcome(3).status()).as("the other streams go on").isEqualTo(200);
        }
    }

    @Test
    void streamsInFlightCountAgainstTheConnectionLimit() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(60_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address(), "--max-connections", "3");
             RawH2 h2 = new RawH2(stack.lb.port())) {
            for (int stream = 1; stream <= 5; stream += 2) h2.headers(stream, RawH2.request("POST", "/echo").setInt("content-length", 2), false);
            RawH2.Outcome third = h2.outcome(5);
            assertThat(third.resetCode()).as("the connection and two streams fill the limit of 3").isEqualTo(RawH2.REFUSED_STREAM);
            h2.data(1, "ok".getBytes(StandardCharsets.US_ASCII), true);
            assertThat(h2.outcome(1).body()).isEqualTo("ok");
            h2.headers(7, RawH2.request("GET", "/home").set("x-request-id", "7"), true);
            assertThat(h2.outcome(7).status()).as("a place is free again").isEqualTo(200);
        }
    }

    @Test
    void onShutdownTheOpenStreamsAreAnsweredAfterGoAway() throws Exception {
        try (StreamingBackend backend = new StreamingBackend()) {
            TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address());
            CompletableFuture<Void> stopping = new CompletableFuture<>();
            try (RawH2 h2 = new RawH2(stack.lb.port())) {
                h2.headers(1, RawH2.request("POST", "/upload?pauseMs=1500").setInt("content-length", 3), false);
                h2.data(1, "abc".getBytes(StandardCharsets.US_ASCII), true);
                Thread.sleep(200);
                CompletableFuture.runAsync(stack::close).whenComplete((done, failed) -> stopping.complete(null));
                RawH2.Frame goAway;
                do {
                    goAway = h2.read().orElseThrow(() -> new AssertionError("closed without GOAWAY"));
                    assertThat(goAway.stream()).as("nothing of stream 1 before the GOAWAY").isZero();
                } while (goAway.type() != RawH2.GOAWAY);
                assertThat(goAway.errorCode()).isZero();
                RawH2.Outcome answer = h2.outcome(1);
                System.out.println("HTTP/2 DRAIN: stream 1 after GOAWAY: " + answer);
                assertThat(answer.status()).as("the stream in flight is answered").isEqualTo(200);
                assertThat(answer.body()).startsWith("3 ");
                stopping.join();
            } finally {
                if (!stopping.isDone()) stack.close();
            }
        }
    }
}

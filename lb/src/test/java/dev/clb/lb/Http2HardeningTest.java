package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 on the wire (h2c with prior knowledge on the plain port), each abuse refused and never forwarded: Rapid
 * Reset, CONTINUATION floods, too many streams, oversized header lists, connection-specific headers, the H2.CL and
 * H2.TE downgrade smuggling cases, CR/LF/NUL in values, pseudo-header misuse. The backend records what reached it.
 */
class Http2HardeningTest {
    private static RecordingBackend backend;
    private static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        backend = new RecordingBackend(60_000, false);
        stack = TestStack.start("--runtime", "static", "--backends", backend.address(), "--h2-max-streams", "16");
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
        backend.close();
    }

    @BeforeEach
    void clear() {
        backend.received.clear();
    }

    private RawH2 connect() throws Exception {
        return new RawH2(stack.lb.port());
    }

    /** A well-formed request on a fresh connection is answered: the connection's refusals were about what was sent. */
    private void stillServes() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.headers(1, RawH2.request("GET", "/home").set("x-request-id", "7"), true);
            RawH2.Outcome answer = h2.outcome(1);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("{\"id\": \"7\"}");
        }
    }

    @Test
    void streamsAreRoutedByTheirOwnIdsOnOneConnection() throws Exception {
        try (RawH2 h2 = connect()) {
            for (int i = 0; i < 10; i++) h2.headers(1 + 2 * i, RawH2.request("GET", "/home").set("x-request-id", Integer.toString(100 + i)), true);
            for (int i = 0; i < 10; i++) {
                RawH2.Outcome answer = h2.outcome(1 + 2 * i);
                assertThat(answer.status()).isEqualTo(200);
                assertThat(answer.body()).isEqualTo("{\"id\": \"" + (100 + i) + "\"}");
            }
            h2.headers(21, RawH2.request("POST", "/echo").setInt("content-length", 11), false);
            h2.data(21, "hello ".getBytes(StandardCharsets.US_ASCII), false);
            h2.data(21, "world".getBytes(StandardCharsets.US_ASCII), true);
            assertThat(h2.outcome(21).body()).isEqualTo("hello world");
            h2.headers(23, RawH2.request("GET", "/rep"), true);
            assertThat(h2.outcome(23).body()).isEqualTo(stack.get("/rep").body());
        }
        assertThat(backend.requests()).hasSize(11);
        assertThat(backend.requests().get(0).headers()).containsEntry("x-forwarded-proto", "http").doesNotContainKeys("x-http2-stream-id", "x-http2-scheme");
    }

    @Test
    void rapidResetEndsTheConnection() throws Exception {
        try (RawH2 h2 = connect()) {
            int sent = 0;
            try {
                for (int stream = 1; stream < 2 * 1000; stream += 2, sent++) {
                    h2.headers(stream, RawH2.request("GET", "/home"), true);
                    h2.frame(RawH2.RST_STREAM, 0, stream, java.nio.ByteBuffer.allocate(4).putInt(RawH2.CANCEL).array());
                }
            } catch (java.net.SocketException closed) {
                // the server ended the connection while the flood went on
            }
            int code = h2.goAwayThenClose();
            System.out.printf("RAPID RESET: connection ended with GOAWAY %d after %d streams opened and reset; %d requests reached the backend%n",
                    code, sent, backend.requests().size());
            assertThat(code).isEqualTo(RawH2.ENHANCE_YOUR_CALM);
            assertThat(backend.requests().size()).isLessThanOrEqualTo(201);
        }
        stillServes();
    }

    @Test
    void aContinuationFloodEndsTheConnectionAndForwardsNothing() throws Exception {
        try (RawH2 h2 = connect()) {
            byte[] block = h2.block(RawH2.request("GET", "/home"));
            h2.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, block); // no END_HEADERS: CONTINUATION must follow
            try {
                for (int i = 0; i < 1_000; i++) h2.frame(RawH2.CONTINUATION, 0, 1, new byte[0]);
            } catch (java.net.SocketException closed) {
                // ended by the server
            }
            int code = h2.goAwayThenClose();
            System.out.printf("CONTINUATION FLOOD: GOAWAY %d%n", code);
            assertThat(code).isIn(RawH2.PROTOCOL_ERROR, RawH2.ENHANCE_YOUR_CALM);
        }
        assertThat(backend.requests()).isEmpty();
        stillServes();
    }

    @Test
    void streamsBeyondTheLimitAreRefused() throws Exception {
        try (RawH2 h2 = connect()) {
            for (int i = 0; i < 17; i++) h2.headers(1 + 2 * i, RawH2.request("POST", "/echo").set("x-request-id", Integer.toString(i)), false);
            RawH2.Outcome seventeenth = h2.outcome(33);
            assertThat(h2.serverSettings).containsEntry(3, 16L); // SETTINGS_MAX_CONCURRENT_STREAMS
            assertThat(seventeenth.resetCode()).isEqualTo(RawH2.REFUSED_STREAM);
            h2.data(1, "one".getBytes(StandardCharsets.US_ASCII), true);
            assertThat(h2.outcome(1).body()).as("the streams within the limit go on").isEqualTo("one");
        }
    }

    @Test
    void anOversizedHeaderListGets431AndAFarLargerOneEndsTheConnection() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.headers(1, RawH2.request("GET", "/home").set("x-big", "a".repeat(34 * 1024)), true);
            assertThat(h2.outcome(1).status()).isEqualTo(431);
            h2.headers(3, RawH2.request("GET", "/home").set("x-request-id", "3"), true);
            assertThat(h2.outcome(3).status()).as("the connection goes on").isEqualTo(200);
        }
        try (RawH2 h2 = connect()) {
            h2.headers(1, RawH2.request("GET", "/home").set("x-big", "a".repeat(200 * 1024)), true);
            assertThat(h2.outcome(1).goAwayCode()).as("far beyond the limit (Netty: 1.25 x) the connection goes").isEqualTo(RawH2.PROTOCOL_ERROR);
        }
        assertThat(backend.requests()).hasSize(1);
        stillServes();
    }

    @Test
    void malformedRequestsAreRefusedAndNeverForwarded() throws Exception {
        List<Http2Headers> malformed = new ArrayList<>();
        for (String[] header : new String[][] {{"connection", "keep-alive"}, {"transfer-encoding", "chunked"}, {"keep-alive", "5"}, {"upgrade", "h2c"},
                {"proxy-connection", "keep-alive"}, {"te", "gzip"}, {"x-smuggled", "a\r\nx-injected: 1"}, {"x-smuggled", "a\nGET /admin HTTP/1.1"},
                {"x-nul", "a\0b"}, {"X-Upper", "names must be lowercase"}}) {
            malformed.add(RawH2.request("GET", "/home").add(header[0], header[1]));
        }
        malformed.add(RawH2.request("GET", "/home").add(":foo", "unknown pseudo-header"));
        malformed.add(RawH2.request("GET", "/home").add(":path", "/twice"));
        malformed.add(RawH2.request("GET", "/home").add(":status", "200"));
        malformed.add(new io.netty.handler.codec.http2.DefaultHttp2Headers(false).method("GET").scheme("http").authority("lb.test")); // no :path
        List<List<Http2Headers>> blocks = new ArrayList<>(malformed.stream().map(List::of).toList());
        blocks.add(List.of(new io.netty.handler.codec.http2.DefaultHttp2Headers(false).method("GET").add("x-a", "b"), // a pseudo-header after a field
                new io.netty.handler.codec.http2.DefaultHttp2Headers(false).path("/home").scheme("http").authority("lb.test")));
        for (List<Http2Headers> headers : blocks) {
            try (RawH2 h2 = connect()) {
                h2.headers(1, headers, true);
                RawH2.Outcome outcome = h2.outcome(1);
                System.out.printf("MALFORMED %s: %s%n", headers.toString().replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0"), outcome);
                assertThat(outcome.status()).as(headers.toString()).isNotEqualTo(200);
                if (outcome.answered()) assertThat(outcome.status()).isEqualTo(400);
                else assertThat(outcome.resetCode()).isEqualTo(RawH2.PROTOCOL_ERROR);
            }
        }
        assertThat(backend.requests()).as("nothing malformed reached the backend").isEmpty();
        stillServes();
    }

    @Test
    void aContentLengthThatDisagreesWithTheDataIsNeverForwardedWhole() throws Exception {
        try (RawH2 h2 = connect()) {
            h2.headers(1, RawH2.request("POST", "/echo").setInt("content-length", 5), false);
            h2.data(1, "01234GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), true);
            RawH2.Outcome longer = h2.outcome(1);
            assertThat(longer.answered()).isFalse();
            assertThat(longer.resetCode()).isEqualTo(RawH2.PROTOCOL_ERROR);
        }
        try (RawH2 h2 = connect()) {
            h2.headers(1, RawH2.request("POST", "/echo").setInt("content-length", 50), false);
            h2.data(1, "short".getBytes(StandardCharsets.US_ASCII), true);
            RawH2.Outcome shorter = h2.outcome(1);
            assertThat(shorter.answered()).isFalse();
            assertThat(shorter.resetCode()).isEqualTo(RawH2.PROTOCOL_ERROR);
        }
        Thread.sleep(300);
        assertThat(backend.requests()).as("no request with a body other than it declared, and no smuggled one").allSatisfy(r -> {
            assertThat(r.path()).isNotEqualTo("/smuggled");
            assertThat(r.body().length).isEqualTo(Integer.parseInt(r.headers().get("content-length")));
        });
        stillServes();
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What the proxy does to requests and answers on the way through, seen on real sockets at both ends. */
class ProxyPathTest {

    @Test
    void endToEndHeadersPassAndHopByHopOnesStop() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(30_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address());
             Socket client = new Socket("127.0.0.1", stack.lb.port())) {
            client.getOutputStream().write(("GET /home?x=1 HTTP/1.1\r\nHost: lb\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\n"
                    + "Keep-Alive: timeout=5\r\nX-Custom: v\r\nX-Request-ID: 424242\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String answer = readResponse(client.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("X-Backend: recording")
                    .doesNotContainIgnoringCase("Keep-Alive:").endsWith("{\"id\": \"424242\"}");

            RecordingBackend.Received seen = backend.requests().get(0);
            assertThat(seen.path()).isEqualTo("/home?x=1");
            assertThat(seen.headers()).containsEntry("x-custom", "v").containsEntry("x-request-id", "424242")
                    .containsEntry("host", backend.address()).doesNotContainKeys("x-secret", "keep-alive");

            client.getOutputStream().write("GET /fail HTTP/1.1\r\nHost: lb\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readResponse(client.getInputStream())).as("a replica's other errors pass through")
                    .startsWith("HTTP/1.1 503 Service Unavailable");
        }
    }

    @Test
    void theRequestIdGoesOnAsTheDecimalItHashesTo() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(30_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address())) {
            for (String given : List.of("424242", "000424242", "-17", "-0", "0", "007")) {
                assertThat(stack.get("/home", given).statusCode()).isEqualTo(200);
            }
            assertThat(backend.requests()).extracting(seen -> seen.headers().get("x-request-id"))
                    .containsExactly("424242", "424242", "-17", "0", "0", "7");
        }
    }

    @Test
    void aBodyPassesThroughByteForByte() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(30_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address())) {
            byte[] body = new byte[200_000];
            new Random(7).nextBytes(body);
            HttpResponse<byte[]> response = TestStack.http.send(HttpRequest.newBuilder(URI.create(stack.base + "/echo"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(body);
            assertThat(backend.requests().get(0).body()).isEqualTo(body);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(30_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address());
             Socket client = new Socket("127.0.0.1", stack.lb.port())) {
            StringBuilder pipeline = new StringBuilder();
            for (String path : List.of("/home", "/home", "/missing", "/home", "/home")) {
                pipeline.append("GET ").append(path).append(" HTTP/1.1\r\nHost: lb\r\nX-Request-ID: ").append(pipeline.length() + 100_000).append("\r\n\r\n");
            }
            client.getOutputStream().write(pipeline.toString().getBytes(StandardCharsets.ISO_8859_1));
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 5; i++) answers.add(readResponse(client.getInputStream()));

            List<String> sentIds = backend.requests().stream().map(r -> r.headers().get("x-request-id")).toList();
            assertThat(answers.get(2)).startsWith("HTTP/1.1 400").contains("'/missing' endpoint does not exist in server replicas");
            for (int i : new int[] {0, 1, 3, 4}) {
                assertThat(answers.get(i)).startsWith("HTTP/1.1 200").endsWith("{\"id\": \"" + sentIds.get(i) + "\"}");
            }
        }
    }

    @Test
    void aPooledConnectionTheReplicaClosesAsARequestArrivesCostsNothing() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(30_000, true);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address())) {
            for (int i = 1; i <= 3; i++) {
                HttpResponse<String> response = stack.get("/home", Integer.toString(100_000 + i));
                assertThat(response.statusCode()).as("request %d", i).isEqualTo(200);
                assertThat(response.body()).isEqualTo("{\"id\": \"" + (100_000 + i) + "\"}");
            }
            // 1 on a new connection; 2 and 3 each dropped on the pooled connection, then sent again on a new one
            assertThat(backend.requests()).hasSize(5);
            assertThat(backend.connections.get()).isEqualTo(3);
            assertThat(stack.hostnames()).containsExactly(backend.address());
        }
    }

    @Test
    void anAnswerAfterWhichTheReplicaClosesReachesTheClientAtOnce() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(30_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address());
             Socket client = new Socket("127.0.0.1", stack.lb.port())) {
            // the answer and the replica's FIN can come in one read: the answer must not wait for a read-complete event
            // that a closing connection does not always get (io_uring's did not, and the client waited for good)
            client.setSoTimeout(2_000);
            for (int i = 0; i < 200; i++) {
                String path = i % 2 == 0 ? "/close" : "/home";
                client.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: lb\r\nX-Request-ID: " + (100_000 + i) + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                assertThat(readResponse(client.getInputStream())).as("answer %d (%s)", i, path)
                        .startsWith("HTTP/1.1 200 OK").endsWith("{\"id\": \"" + (100_000 + i) + "\"}");
            }
        }
    }

    /** One HTTP/1.1 answer with a Content-Length body, read off the socket: head and body as text. */
    private static String readResponse(InputStream in) throws IOException {
        String head = RawHttp.readHead(in);
        return head + new String(RawHttp.readBody(in, RawHttp.headers(head)), StandardCharsets.UTF_8);
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.tls.CertificateFiles;
import dev.clb.lb.tls.TestCertificates;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-client rate limits on real sockets: clients told apart by the loopback address their socket is bound to
 * (127.0.0.x), or behind a trusted proxy by X-Forwarded-For. The rate is one request per 100 s with a burst of 3, so
 * that no token comes back while a test runs, however slow the machine: each client gets exactly 3 answers from the
 * replica, then 429s from the load balancer.
 */
class RateLimitTest {
    private static final String[] LIMIT = {"--rate-limit", "0.01", "--rate-burst", "3"};
    private static RecordingBackend backend;

    @BeforeAll
    static void startBackend() throws Exception {
        backend = new RecordingBackend(30_000, false);
    }

    @AfterAll
    static void stopBackend() throws Exception {
        backend.close();
    }

    private static TestStack start(String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--runtime", "static", "--backends", backend.address()));
        args.addAll(List.of(LIMIT));
        args.addAll(List.of(more));
        return TestStack.start(args.toArray(String[]::new));
    }

    /** A keep-alive connection to the public port from {@code source}, a loopback address of this client's own. */
    private static Socket from(String source, TestStack stack) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", stack.lb.port()), 2_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static RawAnswer get(Socket socket, String path, String... headers) throws IOException {
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: lb\r\n");
        for (String header : headers) request.append(header).append("\r\n");
        socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        RawAnswer answer = RawAnswer.readOnly(socket.getInputStream());
        if (answer == null) throw new IOException("closed without an answer");
        return answer;
    }

    private static long reached(String path) {
        return backend.requests().stream().filter(r -> r.path().equals(path)).count();
    }

    private static double refused(TestStack stack) throws Exception {
        return PrometheusScrape.of(stack.lb.managementPort().orElseThrow()).sum("lb_rate_limited_total");
    }

    private static void assertRefused(RawAnswer answer, String client) {
        assertThat(answer.status()).isEqualTo(429);
        assertThat(answer.headers()).containsEntry("content-type", "application/json");
        assertThat(Long.parseLong(answer.headers().get("retry-after"))).isBetween(1L, 100L);
        assertThat(answer.body()).startsWith("{\"message\": \"<Error> Too many requests from " + client
                + ": the limit is 0.01 requests/s (burst 3); retry after ").endsWith(" s\", \"status\": \"failure\"}");
    }

    @Test
    void eachClientAddressHasOneBucketAcrossItsConnectionsAndAdminPathsCount() throws Exception {
        try (TestStack stack = start()) {
            assertThat(refused(stack)).as("the counter exists at 0").isZero();
            try (Socket first = from("127.0.0.2", stack)) {
                for (int i = 0; i < 3; i++) assertThat(get(first, "/home?c=2").status()).isEqualTo(200);
                assertRefused(get(first, "/home?c=2"), "127.0.0.2");
                assertRefused(get(first, "/home?c=2"), "127.0.0.2"); // the connection stays open for the next request
            }
            try (Socket again = from("127.0.0.2", stack)) {
                assertRefused(get(again, "/home?c=2"), "127.0.0.2");
            }
            try (Socket other = from("127.0.0.3", stack)) {
                for (int i = 0; i < 3; i++) assertThat(get(other, "/home?c=3").status()).isEqualTo(200);
                assertRefused(get(other, "/home?c=3"), "127.0.0.3");
            }
            try (Socket admin = from("127.0.0.4", stack)) {
                for (int i = 0; i < 3; i++) assertThat(get(admin, "/rep").status()).isEqualTo(200);
                assertRefused(get(admin, "/rep"), "127.0.0.4");
            }
            assertThat(reached("/home?c=2")).as("requests of 127.0.0.2 that reached the replica").isEqualTo(3);
            assertThat(reached("/home?c=3")).isEqualTo(3);
            assertThat(refused(stack)).isEqualTo(5);
        }
    }

    @Test
    void behindATrustedProxyTheForwardedClientCounts() throws Exception {
        try (TestStack stack = start("--trusted-proxies", "127.0.0.0/8");
             Socket proxy = from("127.0.0.1", stack); Socket otherProxy = from("127.0.0.6", stack)) {
            for (int i = 0; i < 3; i++) assertThat(get(proxy, "/home?c=7", "X-Forwarded-For: 203.0.113.7").status()).isEqualTo(200);
            assertRefused(get(proxy, "/home?c=7", "X-Forwarded-For: 203.0.113.7"), "203.0.113.7");
            assertRefused(get(otherProxy, "/home?c=7", "X-Forwarded-For: 203.0.113.7, 127.0.0.9"), "203.0.113.7");
            assertThat(get(proxy, "/home?c=8", "X-Forwarded-For: 203.0.113.8").status()).isEqualTo(200);
            assertThat(get(proxy, "/home?c=9", "X-Forwarded-For: 203.0.113.7, 203.0.113.9").status()).as("the nearest untrusted is .9").isEqualTo(200);
            assertThat(reached("/home?c=7")).isEqualTo(3);

            try (RawH2 h2 = new RawH2(stack.lb.port())) { // h2c streams: one request each, the same buckets
                for (int i = 0; i < 4; i++) h2.headers(1 + 2 * i, RawH2.request("GET", "/home?c=10").set("x-forwarded-for", "203.0.113.10"), true);
                for (int i = 0; i < 3; i++) assertThat(h2.outcome(1 + 2 * i).status()).isEqualTo(200);
                RawH2.Outcome refused = h2.outcome(7);
                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.body()).startsWith("{\"message\": \"<Error> Too many requests from 203.0.113.10: ");
                h2.headers(9, RawH2.request("GET", "/home?c=7").set("x-forwarded-for", "203.0.113.7"), true);
                assertThat(h2.outcome(9).status()).isEqualTo(429);
            }
            assertThat(reached("/home?c=10")).isEqualTo(3);
        }
    }

    @Test
    void fromAnUntrustedPeerTheForwardedHeaderIsIgnored() throws Exception {
        try (TestStack stack = start("--trusted-proxies", "10.0.0.0/8"); Socket client = from("127.0.0.7", stack)) {
            for (int i = 0; i < 3; i++) assertThat(get(client, "/home?c=11", "X-Forwarded-For: 198.51.100." + i).status()).isEqualTo(200);
            assertRefused(get(client, "/home?c=11", "X-Forwarded-For: 198.51.100.99"), "127.0.0.7");
        }
    }

    @Test
    void http2StreamsOnTheTlsPortAreLimited() throws Exception {
        CertificateFiles certificate = TestCertificates.temporary("localhost");
        try (TestStack stack = start("--trusted-proxies", "127.0.0.1,::1", "--tls-port", "0", "--tls-cert", certificate.chain().toString(),
                "--tls-key", certificate.key().toString())) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(2))
                    .sslContext(TestCertificates.trusting(certificate.chain())).build();
            List<HttpResponse<String>> answers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                answers.add(client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + stack.lb.tlsPort().orElseThrow() + "/home?c=12"))
                        .header("X-Forwarded-For", "203.0.113.12").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            assertThat(answers).allSatisfy(answer -> assertThat(answer.version()).isEqualTo(HttpClient.Version.HTTP_2));
            assertThat(answers).extracting(HttpResponse::statusCode).containsExactly(200, 200, 200, 429);
            assertThat(answers.get(3).headers().firstValue("retry-after").map(Long::parseLong).orElseThrow()).isBetween(1L, 100L);
            assertThat(reached("/home?c=12")).isEqualTo(3);
        }
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed requests are answered by the load balancer itself, with a JSON {@code <Error>}, and never reach a
 * replica; request-smuggling attempts are refused and the backend never sees the request hidden in the body.
 * Raw sockets at both ends: the client writes bytes, the {@link RecordingBackend} records what arrives.
 */
class BadRequestTest {
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: lb\r\n\r\n";
    private static RecordingBackend backend;
    private static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        backend = new RecordingBackend(30_000, false);
        stack = TestStack.start("--runtime", "static", "--backends", backend.address());
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) stack.close();
        backend.close();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("control character", "GET /ho\u0001me HTTP/1.1\r\nHost: lb\r\n\r\n",
                        "The request target contains a control character, a space or a non-ASCII byte"),
                Arguments.of("DEL", "GET /home\u007f HTTP/1.1\r\nHost: lb\r\n\r\n",
                        "The request target contains a control character, a space or a non-ASCII byte"),
                Arguments.of("non-ASCII", "GET /h\u00c3\u00a9 HTTP/1.1\r\nHost: lb\r\n\r\n",
                        "The request target contains a control character, a space or a non-ASCII byte"),
                Arguments.of("encoded NUL", "GET /home%00 HTTP/1.1\r\nHost: lb\r\n\r\n", "The path contains an encoded control character"),
                Arguments.of("bad escape", "GET /home%zz HTTP/1.1\r\nHost: lb\r\n\r\n", "Malformed percent-encoding in the request target"),
                Arguments.of("cut escape", "GET /home?x=%4 HTTP/1.1\r\nHost: lb\r\n\r\n", "Malformed percent-encoding in the request target"),
                Arguments.of("bracket in path", "GET /ho[me] HTTP/1.1\r\nHost: lb\r\n\r\n", "The character '[' is not allowed in a path"),
                Arguments.of("backslash", "GET /home\\x HTTP/1.1\r\nHost: lb\r\n\r\n", "The character '\\\\' is not allowed in a path"),
                Arguments.of("dot segments", "GET /../home HTTP/1.1\r\nHost: lb\r\n\r\n", "The path must not contain '.' or '..' segments"),
                Arguments.of("trailing dot segment", "GET /home/. HTTP/1.1\r\nHost: lb\r\n\r\n", "The path must not contain '.' or '..' segments"),
                Arguments.of("encoded dot segments", "GET /%2e%2E/home HTTP/1.1\r\nHost: lb\r\n\r\n", "The path must not contain '.' or '..' segments"),
                Arguments.of("fragment", "GET /home#top HTTP/1.1\r\nHost: lb\r\n\r\n", "The request target must not have a fragment ('#')"),
                Arguments.of("not a path", "GET home HTTP/1.1\r\nHost: lb\r\n\r\n",
                        "The request target must be a path starting with '/' or an absolute http URI"),
                Arguments.of("asterisk", "OPTIONS * HTTP/1.1\r\nHost: lb\r\n\r\n",
                        "The request target must be a path starting with '/' or an absolute http URI"),
                Arguments.of("authority form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
                        "The request target must be a path starting with '/' or an absolute http URI"),
                Arguments.of("other scheme", "GET ftp://example.com/home HTTP/1.1\r\nHost: lb\r\n\r\n",
                        "The request target must be a path starting with '/' or an absolute http URI"),
                Arguments.of("userinfo", "GET http://user@example.com/home HTTP/1.1\r\nHost: lb\r\n\r\n",
                        "The absolute request target has no valid host[:port]"),
                Arguments.of("no Host", "GET /home HTTP/1.1\r\n\r\n", "HTTP/1.1 request without a Host header"),
                Arguments.of("two Hosts", "GET /home HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "More than one Host header"),
                Arguments.of("bad Host", "GET /home HTTP/1.1\r\nHost: a/b\r\n\r\n", "Invalid Host header 'a/b'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isAnswered400ByTheLoadBalancer(String name, String request, String message) throws Exception {
        int before = backend.requests().size();
        RawAnswer answer = RawAnswer.exchange(stack.lb.port(), request);
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.headers()).containsEntry("content-type", "application/json");
        assertThat(answer.body()).isEqualTo(RawAnswer.error(message));
        assertThat(answer.closedAfter()).isTrue();
        assertThat(backend.requests()).hasSize(before);
    }

    @Test
    void aSpaceInTheTargetIsAMalformedRequestLine() throws Exception {
        RawAnswer answer = RawAnswer.exchange(stack.lb.port(), "GET /a b HTTP/1.1\r\nHost: lb\r\n\r\n");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body()).startsWith("{\"message\": \"<Error> Malformed HTTP request: ").endsWith("\"status\": \"failure\"}");
    }

    @Test
    void anAbsoluteTargetIsForwardedInOriginForm() throws Exception {
        int before = backend.requests().size();
        RawAnswer answer = RawAnswer.exchange(stack.lb.port(),
                "GET http://Example.com:8080/home?x=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n");
        assertThat(answer.status()).isEqualTo(200);
        RawAnswer bare = RawAnswer.exchange(stack.lb.port(), "GET HTTP://example.com?y=2 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
        assertThat(bare.status()).isEqualTo(200);
        assertThat(backend.requests().subList(before, backend.requests().size())).extracting(RecordingBackend.Received::path)
                .containsExactly("/home?x=1", "/?y=2");
    }

    @Test
    void oddButValidTargetsReachTheBackendUnchanged() throws Exception {
        for (String target : new String[] {"/home?x=|{}^`\"<>[]\\/?%41", "/a/.../b.c/..d/", "/%41%62/%2e%2e%2e", "/a@b:c!$&'()*+,;=~_-", "//home", "/home?"}) {
            int before = backend.requests().size();
            RawAnswer answer = RawAnswer.exchange(stack.lb.port(), "GET " + target + " HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
            assertThat(answer.status()).as(target).isEqualTo(200);
            assertThat(backend.requests().get(before).path()).isEqualTo(target);
        }
    }

    @Test
    void http10WithoutHostIsFine() throws Exception {
        assertThat(RawAnswer.exchange(stack.lb.port(), "GET /home HTTP/1.0\r\n\r\n").status()).isEqualTo(200);
    }

    @Test
    void anOversizedHeadGets431AndAnOversizedRequestLine414() throws Exception {
        String bigHeader = "GET /home HTTP/1.1\r\nHost: lb\r\nX-Big: " + "a".repeat(100_000) + "\r\n\r\n";
        RawAnswer headers = RawAnswer.exchange(stack.lb.port(), bigHeader);
        assertThat(headers.status()).isEqualTo(431);
        assertThat(headers.body()).startsWith("{\"message\": \"<Error> Request header fields too large: ");
        RawAnswer manyHeaders = RawAnswer.exchange(stack.lb.port(), "GET /home HTTP/1.1\r\nHost: lb\r\n" + "X-H: 0123456789\r\n".repeat(3_000) + "\r\n");
        assertThat(manyHeaders.status()).isEqualTo(431);
        RawAnswer line = RawAnswer.exchange(stack.lb.port(), "GET /" + "a".repeat(9_000) + " HTTP/1.1\r\nHost: lb\r\n\r\n");
        assertThat(line.status()).isEqualTo(414);
        assertThat(line.body()).startsWith("{\"message\": \"<Error> Request line too long: ");
        RawAnswer fits = RawAnswer.exchange(stack.lb.port(), "GET /home?" + "a".repeat(7_000) + " HTTP/1.1\r\nHost: lb\r\nX-Big: "
                + "b".repeat(30_000) + "\r\nConnection: close\r\n\r\n");
        assertThat(fits.status()).as("a 7 KB request line and 30 KB of headers fit").isEqualTo(200);
    }

    static Stream<Arguments> smuggling() {
        String post = "POST /home HTTP/1.1\r\nHost: lb\r\n";
        return Stream.of(
                Arguments.of("CL+TE", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("TE+CL", post + "Transfer-Encoding: chunked\r\nContent-Length: 41\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("two Content-Lengths", post + "Content-Length: 0\r\nContent-Length: 36\r\n\r\n" + SMUGGLED),
                Arguments.of("the same Content-Length twice", post + "Content-Length: 36\r\nContent-Length: 36\r\n\r\n" + SMUGGLED),
                Arguments.of("Content-Length list", post + "Content-Length: 0, 36\r\n\r\n" + SMUGGLED),
                Arguments.of("Content-Length +", post + "Content-Length: +0\r\n\r\n" + SMUGGLED),
                Arguments.of("xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("chunked, identity", post + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("identity, chunked", post + "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("gzip, chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("second TE header", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("TE twice chunked", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("space before colon", post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("vertical tab", post + "Transfer-Encoding:\u000bchunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("folded TE", post + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("empty TE", post + "Transfer-Encoding: \r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("TE in HTTP/1.0", "POST /home HTTP/1.0\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
                Arguments.of("bare LF", "POST /home HTTP/1.1\nHost: lb\nContent-Length: 0\n\n" + SMUGGLED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smuggling")
    void aSmugglingAttemptIsRefusedAndNothingReachesTheBackend(String name, String request) throws Exception {
        int before = backend.requests().size();
        RawAnswer answer = RawAnswer.exchange(stack.lb.port(), request);
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.headers()).containsEntry("content-type", "application/json");
        assertThat(answer.body()).startsWith("{\"message\": \"<Error> ").endsWith("\", \"status\": \"failure\"}");
        assertThat(answer.closedAfter()).isTrue();
        Thread.sleep(200);
        assertThat(backend.requests()).as("requests the backend received").hasSize(before);
    }

    @Test
    void chunkedWithATabOrInCapitalsIsPlainChunkedAndTheBackendSeesWhatTheLoadBalancerSaw() throws Exception {
        for (String te : new String[] {"Transfer-Encoding:\tchunked", "Transfer-Encoding: CHUNKED"}) {
            int before = backend.requests().size();
            RawAnswer answer = RawAnswer.exchange(stack.lb.port(), "POST /echo HTTP/1.1\r\nHost: lb\r\n" + te
                    + "\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /home HTTP/1.1\r\nHost: lb\r\nConnection: close\r\n\r\n");
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("hello");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> backend.requests().size() == before + 2);
            RecordingBackend.Received post = backend.requests().get(before);
            assertThat(new String(post.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("hello");
            assertThat(post.headers()).containsEntry("content-length", "5").doesNotContainKey("transfer-encoding");
            assertThat(backend.requests().get(before + 1).path()).isEqualTo("/home");
        }
    }
}

package dev.clb.lb.edge;

import dev.clb.lb.upstream.ReplicaConnection;
import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.edge.EmbeddedProxy.Answer;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests the client edge refuses ({@link RequestChecks}, and the codec's own refusals the proxy answers the same way),
 * on one client connection in memory: a JSON {@code <Error>}, the connection ends, and no replica is asked.
 */
class RequestChecksEmbeddedTest {
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: lb\r\n\r\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private final EmbeddedProxy proxy;

    RequestChecksEmbeddedTest() throws Exception {
        proxy = new EmbeddedProxy(new ClientLimits(60_000, 60_000, 60_000, 100, 100));
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    static Stream<Arguments> malformed() {
        String control = "The request target contains a control character, a space or a non-ASCII byte";
        String notAPath = "The request target must be a path starting with '/' or an absolute http URI";
        String dots = "The path must not contain '.' or '..' segments";
        return Stream.of(
                Arguments.of("control character", "GET /ho\u0001me HTTP/1.1\r\nHost: lb\r\n\r\n", control),
                Arguments.of("DEL", "GET /home\u007f HTTP/1.1\r\nHost: lb\r\n\r\n", control),
                Arguments.of("non-ASCII", "GET /h\u00c3\u00a9 HTTP/1.1\r\nHost: lb\r\n\r\n", control),
                Arguments.of("encoded NUL", "GET /home%00 HTTP/1.1\r\nHost: lb\r\n\r\n", "The path contains an encoded control character"),
                Arguments.of("bad escape", "GET /home%zz HTTP/1.1\r\nHost: lb\r\n\r\n", "Malformed percent-encoding in the request target"),
                Arguments.of("cut escape", "GET /home?x=%4 HTTP/1.1\r\nHost: lb\r\n\r\n", "Malformed percent-encoding in the request target"),
                Arguments.of("bracket in path", "GET /ho[me] HTTP/1.1\r\nHost: lb\r\n\r\n", "The character '[' is not allowed in a path"),
                Arguments.of("backslash", "GET /home\\x HTTP/1.1\r\nHost: lb\r\n\r\n", "The character '\\\\' is not allowed in a path"),
                Arguments.of("dot segments", "GET /../home HTTP/1.1\r\nHost: lb\r\n\r\n", dots),
                Arguments.of("trailing dot segment", "GET /home/. HTTP/1.1\r\nHost: lb\r\n\r\n", dots),
                Arguments.of("encoded dot segments", "GET /%2e%2E/home HTTP/1.1\r\nHost: lb\r\n\r\n", dots),
                Arguments.of("fragment", "GET /home#top HTTP/1.1\r\nHost: lb\r\n\r\n", "The request target must not have a fragment ('#')"),
                Arguments.of("not a path", "GET home HTTP/1.1\r\nHost: lb\r\n\r\n", notAPath),
                Arguments.of("asterisk", "OPTIONS * HTTP/1.1\r\nHost: lb\r\n\r\n", notAPath),
                Arguments.of("authority form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", notAPath),
                Arguments.of("other scheme", "GET ftp://example.com/home HTTP/1.1\r\nHost: lb\r\n\r\n", notAPath),
                Arguments.of("userinfo", "GET http://user@example.com/home HTTP/1.1\r\nHost: lb\r\n\r\n", "The absolute request target has no valid host[:port]"),
                Arguments.of("no Host", "GET /home HTTP/1.1\r\n\r\n", "HTTP/1.1 request without a Host header"),
                Arguments.of("two Hosts", "GET /home HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "More than one Host header"),
                Arguments.of("bad Host", "GET /home HTTP/1.1\r\nHost: a/b\r\n\r\n", "Invalid Host header 'a/b'"),
                Arguments.of("identity, chunked", "POST /home HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
                        "Transfer-Encoding must be just 'chunked', not 'identity, chunked'"),
                Arguments.of("gzip, chunked", "POST /home HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
                        "Transfer-Encoding must be just 'chunked', not 'gzip, chunked'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isAnswered400WithTheReasonAndReachesNoReplica(String name, String request, String message) {
        proxy.send(request);
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(400);
        assertThat(answers.get(0).headers().get("content-type")).isEqualTo("application/json");
        assertThat(answers.get(0).headers().get("connection")).isEqualTo("close");
        assertThat(answers.get(0).body()).isEqualTo(EmbeddedProxy.error(message));
        assertThat(proxy.client.ended()).isTrue();
        assertThat(proxy.replicas.connects()).as("connections to a replica").isZero();
    }

    /** The codec refuses these; the proxy answers its refusal as its own. */
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
    void aSmugglingAttemptIsAnswered400AndNeitherRequestReachesAReplica(String name, String request) {
        proxy.send(request);
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(400);
        assertThat(answers.get(0).headers().get("content-type")).isEqualTo("application/json");
        assertThat(answers.get(0).body()).startsWith("{\"message\": \"<Error> ").endsWith("\", \"status\": \"failure\"}");
        assertThat(proxy.client.ended()).isTrue();
        assertThat(proxy.replicas.connects()).as("connections to a replica").isZero();
    }

    @Test
    void anOversizedHeadGets431() {
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\nX-Big: " + "a".repeat(ClientEdge.MAX_HEADER_BYTES) + "\r\n\r\n");
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(431);
        assertThat(answers.get(0).body()).startsWith("{\"message\": \"<Error> Request header fields too large: ");
        assertThat(proxy.client.ended()).isTrue();
        assertThat(proxy.replicas.connects()).isZero();
    }

    @Test
    void anOversizedRequestLineGets414() {
        proxy.send("GET /" + "a".repeat(ClientEdge.MAX_REQUEST_LINE_BYTES) + " HTTP/1.1\r\nHost: lb\r\n\r\n");
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(414);
        assertThat(answers.get(0).body()).startsWith("{\"message\": \"<Error> Request line too long: ");
        assertThat(proxy.replicas.connects()).isZero();
    }

    @Test
    void aSpaceInTheTargetIsAMalformedRequestLine() {
        proxy.send("GET /a b HTTP/1.1\r\nHost: lb\r\n\r\n");
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(400);
        assertThat(answers.get(0).body()).startsWith("{\"message\": \"<Error> Malformed HTTP request: ").endsWith("\"status\": \"failure\"}");
        assertThat(proxy.replicas.connects()).isZero();
    }

    @Test
    void anAbsoluteTargetGoesToTheReplicaInOriginFormWithItsAuthorityAsHost() {
        proxy.send("GET http://Example.com:8080/home?x=1 HTTP/1.1\r\nHost: other\r\n\r\n");
        ReplicaConnection replica = proxy.replicas.next();
        assertThat(replica.sent()).startsWith("GET /home?x=1 HTTP/1.1\r\n").contains("x-forwarded-host: Example.com:8080\r\n");
        replica.receive(OK);
        proxy.send("GET HTTP://example.com?y=2 HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertThat(replica.sent()).startsWith("GET /?y=2 HTTP/1.1\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/home?x=|{}^`\"<>[]\\/?%41", "/a/.../b.c/..d/", "/%41%62/%2e%2e%2e", "/a@b:c!$&'()*+,;=~_-", "//home", "/home?"})
    void anOddButValidTargetReachesTheReplicaUnchanged(String target) {
        proxy.send("GET " + target + " HTTP/1.1\r\nHost: lb\r\n\r\n");
        assertThat(proxy.replicas.next().sent()).startsWith("GET " + target + " HTTP/1.1\r\n");
    }

    @Test
    void http10WithoutHostIsFine() {
        proxy.send("GET /home HTTP/1.0\r\n\r\n");
        assertThat(proxy.replicas.next().sent()).startsWith("GET /home HTTP/1.1\r\n");
    }

    @Test
    void aRequestLineOf7KbAndHeadersOf30KbFit() {
        String line = "GET /home?" + "a".repeat(7_000) + " HTTP/1.1\r\n";
        String header = "X-Big: " + "b".repeat(30_000) + "\r\n";
        proxy.send(line + "Host: lb\r\n" + header + "\r\n");
        String sent = proxy.replicas.next().sent();
        assertThat(sent.startsWith(line)).as("the request line went on whole").isTrue();
        assertThat(sent.contains(header)).as("the 30 KB header went on whole").isTrue();
    }

    /** Transfer-Encoding is hop-by-hop: the replica gets the body re-chunked, and what follows it is the next request. */
    @ParameterizedTest
    @ValueSource(strings = {"Transfer-Encoding:\tchunked", "Transfer-Encoding: CHUNKED"})
    void chunkedWithATabOrInCapitalsIsPlainChunked(String transferEncoding) {
        proxy.send("POST /echo HTTP/1.1\r\nHost: lb\r\n" + transferEncoding + "\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /home HTTP/1.1\r\nHost: lb\r\n\r\n");
        ReplicaConnection replica = proxy.replicas.next();
        String post = replica.sent();
        assertThat(post).startsWith("POST /echo HTTP/1.1\r\n").contains("transfer-encoding: chunked\r\n").doesNotContainIgnoringCase("content-length")
                .endsWith("\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        replica.receive(OK);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);
        assertThat(replica.sent()).startsWith("GET /home HTTP/1.1\r\n");
    }
}

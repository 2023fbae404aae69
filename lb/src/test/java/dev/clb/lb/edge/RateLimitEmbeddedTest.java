package dev.clb.lb.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.edge.EmbeddedProxy.Answer;
import dev.clb.lb.upstream.ReplicaConnection;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RateLimit} on client connections in memory, the event loop's clock moved by the test: a client's bucket
 * refills at the rate to the nanosecond, a refusal is a 429 with the time until the next token, the connection stays
 * usable, and the table is one for every connection.
 */
class RateLimitEmbeddedTest {
    private static final ClientLimits LIMITS = new ClientLimits(60_000, 60_000, 60_000, 100, 100);
    private static final String GET = "GET /home HTTP/1.1\r\nHost: lb\r\n\r\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.1", 40_000);
    private final AtomicInteger refused = new AtomicInteger();
    private final List<EmbeddedProxy> open = new java.util.ArrayList<>();

    private EmbeddedProxy connect(RateLimit limit, InetSocketAddress peer) throws Exception {
        EmbeddedProxy proxy = new EmbeddedProxy(LIMITS, limit, peer);
        open.add(proxy);
        return proxy;
    }

    @AfterEach
    void close() {
        open.forEach(EmbeddedProxy::close);
    }

    /** Sends a GET and, if it reached the replica, answers it there: the status the client got. */
    private static int get(EmbeddedProxy proxy, ReplicaConnection replica) {
        proxy.send(GET);
        if (!replica.sent().isEmpty()) replica.receive(OK);
        List<Answer> answers = proxy.answers();
        assertThat(answers).hasSize(1);
        return answers.get(0).status();
    }

    @Test
    void aBurstPassesThenTheBucketRefillsAtTheRate() throws Exception {
        EmbeddedProxy proxy = connect(new RateLimit(new RequestRate(2, 3), TrustedProxies.NONE, refused::incrementAndGet), CLIENT);
        ReplicaConnection replica = servedFirst(proxy);
        assertThat(get(proxy, replica)).isEqualTo(200);
        assertThat(get(proxy, replica)).as("the third of a burst of 3").isEqualTo(200);

        proxy.send(GET);
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(429);
        assertThat(answers.get(0).headers().get("retry-after")).isEqualTo("1");
        assertThat(answers.get(0).headers().get("content-type")).isEqualTo("application/json");
        assertThat(answers.get(0).body()).isEqualTo(EmbeddedProxy.error("Too many requests from 192.0.2.1: the limit is 2 requests/s (burst 3); retry after 1 s"));
        assertThat(replica.sent()).as("what the replica got of the refused request").isEmpty();
        assertThat(proxy.client.ended()).as("a 429 keeps the connection").isFalse();
        assertThat(refused).hasValue(1);

        proxy.advance(499); // one token comes back every 500 ms
        assertThat(get(proxy, replica)).isEqualTo(429);
        proxy.advance(1);
        assertThat(get(proxy, replica)).isEqualTo(200);
        assertThat(get(proxy, replica)).isEqualTo(429);
        assertThat(refused).hasValue(3);
    }

    @Test
    void retryAfterIsTheWholeSecondsUntilATokenIsBack() throws Exception {
        EmbeddedProxy proxy = connect(new RateLimit(new RequestRate(0.25, 1), TrustedProxies.NONE, refused::incrementAndGet), CLIENT);
        proxy.send(GET);
        ReplicaConnection replica = proxy.replicas.next();
        replica.receive(OK);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);

        proxy.send(GET);
        assertThat(proxy.answers().get(0).headers().get("retry-after")).isEqualTo("4");
        proxy.advance(1_500);
        proxy.send(GET);
        assertThat(proxy.answers().get(0).headers().get("retry-after")).as("2.5 s to go").isEqualTo("3");
        proxy.advance(2_499);
        proxy.send(GET);
        assertThat(proxy.answers().get(0).headers().get("retry-after")).as("1 ms to go: at least 1").isEqualTo("1");
        proxy.advance(1);
        assertThat(get(proxy, replica)).isEqualTo(200);
    }

    @Test
    void theBodyOfARefusedRequestIsDroppedAndTheNextRequestOnTheConnectionIsServed() throws Exception {
        EmbeddedProxy proxy = connect(new RateLimit(new RequestRate(1, 1), TrustedProxies.NONE, refused::incrementAndGet), CLIENT);
        ReplicaConnection replica = servedFirst(proxy);

        // the body looks like a request: were it parsed as one, the replica would see GET /smuggled
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: lb\r\n\r\n";
        proxy.send("POST /echo HTTP/1.1\r\nHost: lb\r\nContent-Length: " + smuggled.length() + "\r\n\r\n");
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(429);
        proxy.send(smuggled);
        assertThat(proxy.answers()).as("the body's bytes are no request").isEmpty();
        proxy.advance(1_000);
        proxy.send("POST /echo HTTP/1.1\r\nHost: lb\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        assertThat(replica.sent()).startsWith("POST /echo HTTP/1.1\r\n").endsWith("3\r\nabc\r\n0\r\n\r\n").doesNotContain("smuggled");
        replica.receive(OK);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);
        assertThat(proxy.client.ended()).isFalse();
    }

    @Test
    void aRefusedRequestThatWaitsFor100ContinueIsAnsweredAndTheConnectionClosed() throws Exception {
        EmbeddedProxy proxy = connect(new RateLimit(new RequestRate(1, 1), TrustedProxies.NONE, refused::incrementAndGet), CLIENT);
        proxy.send(GET);
        proxy.replicas.next().receive(OK);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);

        proxy.send("POST /echo HTTP/1.1\r\nHost: lb\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n");
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).as("no 100 Continue first").containsExactly(429);
        assertThat(answers.get(0).headers().get("connection")).isEqualTo("close");
        assertThat(proxy.client.ended()).isTrue();
    }

    @Test
    void aClientIsOneBucketAcrossItsConnectionsAndOtherClientsHaveTheirOwn() throws Exception {
        RateLimit limit = new RateLimit(new RequestRate(1, 2), TrustedProxies.NONE, refused::incrementAndGet);
        EmbeddedProxy first = connect(limit, CLIENT);
        EmbeddedProxy second = connect(limit, new InetSocketAddress(CLIENT.getAddress(), 40_001));
        EmbeddedProxy other = connect(limit, new InetSocketAddress("192.0.2.2", 40_000));
        first.send(GET);
        first.replicas.next().receive(OK);
        second.send(GET);
        second.replicas.next().receive(OK);
        assertThat(first.answers()).extracting(Answer::status).containsExactly(200);
        assertThat(second.answers()).extracting(Answer::status).containsExactly(200);

        first.send(GET);
        second.send(GET);
        assertThat(first.answers()).extracting(Answer::status).containsExactly(429);
        assertThat(second.answers()).extracting(Answer::status).containsExactly(429);
        other.send(GET);
        other.replicas.next().receive(OK);
        assertThat(other.answers()).extracting(Answer::status).containsExactly(200);
        assertThat(refused).hasValue(2);
    }

    @Test
    void anIpv6ClientIsItsSlash64AndAnIpv4ClientItsAddress() throws Exception {
        RateLimit limit = new RateLimit(new RequestRate(1, 1), TrustedProxies.NONE, refused::incrementAndGet);
        EmbeddedProxy first = connect(limit, new InetSocketAddress("2001:db8:1:2::1", 40_000));
        first.send(GET);
        first.replicas.next().receive(OK);
        assertThat(first.answers()).extracting(Answer::status).containsExactly(200);

        EmbeddedProxy sameNetwork = connect(limit, new InetSocketAddress("2001:db8:1:2:a8f3:ffff:fe00:9", 40_000));
        sameNetwork.send(GET);
        List<Answer> answers = sameNetwork.answers();
        assertThat(answers).extracting(Answer::status).as("another address of the same /64").containsExactly(429);
        assertThat(answers.get(0).body()).isEqualTo(EmbeddedProxy.error("Too many requests from 2001:db8:1:2::/64: the limit is 1 requests/s (burst 1); retry after 1 s"));

        EmbeddedProxy nextNetwork = connect(limit, new InetSocketAddress("2001:db8:1:3::1", 40_000));
        nextNetwork.send(GET);
        nextNetwork.replicas.next().receive(OK);
        assertThat(nextNetwork.answers()).extracting(Answer::status).as("the next /64").containsExactly(200);
        EmbeddedProxy nextAddress = connect(limit, new InetSocketAddress("192.0.2.2", 40_000));
        nextAddress.send(GET);
        nextAddress.replicas.next().receive(OK);
        assertThat(nextAddress.answers()).extracting(Answer::status).as("IPv4: another address, another client").containsExactly(200);
        assertThat(refused).hasValue(1);
    }

    @Test
    void behindATrustedProxyTheForwardedClientIsCounted() throws Exception {
        RateLimit limit = new RateLimit(new RequestRate(1, 1), TrustedProxies.of(List.of("192.0.2.0/24")), refused::incrementAndGet);
        EmbeddedProxy proxy = connect(limit, CLIENT);
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n");
        ReplicaConnection replica = proxy.replicas.next();
        assertThat(replica.sent()).startsWith("GET /home HTTP/1.1\r\n");
        replica.receive(OK);
        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\nX-Forwarded-For: 203.0.113.8\r\n\r\n");
        assertThat(replica.sent()).startsWith("GET /home HTTP/1.1\r\n");
        replica.receive(OK);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200, 200);

        proxy.send("GET /home HTTP/1.1\r\nHost: lb\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n");
        List<Answer> answers = proxy.answers();
        assertThat(answers).extracting(Answer::status).containsExactly(429);
        assertThat(answers.get(0).body()).contains("Too many requests from 203.0.113.7:");
    }

    @Test
    void aRequestTheChecksRefusedIsNotCounted() throws Exception {
        RateLimit limit = new RateLimit(new RequestRate(1, 1), TrustedProxies.NONE, refused::incrementAndGet);
        EmbeddedProxy proxy = connect(limit, CLIENT);
        proxy.send("GET /../home HTTP/1.1\r\nHost: lb\r\n\r\n");
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(400);
        assertThat(proxy.client.ended()).isTrue();

        EmbeddedProxy next = connect(limit, CLIENT);
        next.send(GET);
        next.replicas.next().receive(OK);
        assertThat(next.answers()).extracting(Answer::status).as("the bucket's one token is still there").containsExactly(200);
        assertThat(refused).hasValue(0);
    }

    /** The connection's first request, within the limit: forwarded to a replica and answered 200; that replica. */
    private static ReplicaConnection servedFirst(EmbeddedProxy proxy) {
        proxy.send(GET);
        ReplicaConnection replica = proxy.replicas.next();
        assertThat(replica.sent()).startsWith("GET /home HTTP/1.1\r\n");
        replica.receive(OK);
        assertThat(proxy.answers()).extracting(Answer::status).containsExactly(200);
        return replica;
    }
}

package dev.clb.lb.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Who the client of a request is: the peer, or behind trusted proxies the nearest untrusted address they forwarded. */
class TrustedProxiesTest {
    private static final TrustedProxies PROXIES = TrustedProxies.of(List.of("10.0.0.0/8", " 192.0.2.7 ", "fd00::/8", ""));

    private static String clientOf(String peer, String... forwardedFor) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String list : forwardedFor) headers.add("X-Forwarded-For", list);
        return PROXIES.clientOf(new InetSocketAddress(peer, 1234), headers).getHostAddress();
    }

    @ParameterizedTest(name = "{0} sending [{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
            "203.0.113.1 | 198.51.100.9 | 203.0.113.1",
            "10.1.2.3 | 198.51.100.9 | 198.51.100.9",
            "10.1.2.3 | 1.1.1.1, 198.51.100.9 | 198.51.100.9",
            "10.1.2.3 | 1.1.1.1, 198.51.100.9, 10.9.9.9, 192.0.2.7 | 198.51.100.9",
            "10.1.2.3 | 10.2.2.2, 192.0.2.7 | 10.2.2.2",
            "10.1.2.3 | ',' | 10.1.2.3",
            "10.1.2.3 | 198.51.100.9:5555 | 198.51.100.9",
            "10.1.2.3 | '[2001:db8::1]:443' | 2001:db8:0:0:0:0:0:1",
            "10.1.2.3 | 2001:db8::1 | 2001:db8:0:0:0:0:0:1",
            "10.1.2.3 | ::ffff:198.51.100.9 | 198.51.100.9",
            "10.1.2.3 | 198.51.100.9, unknown | 10.1.2.3",
            "10.1.2.3 | unknown, 10.5.5.5 | 10.5.5.5",
            "192.0.2.8 | 198.51.100.9 | 192.0.2.8",
            "fd12::1 | 198.51.100.9 | 198.51.100.9",
            "10.1.2.3 | 198.51.100.9, | 198.51.100.9",
            "10.1.2.3 | '198.51.100.9, ' | 10.1.2.3",
            "10.1.2.3 | '[198.51.100.9]:80' | 198.51.100.9",
            "10.1.2.3 | 198.051.100.009 | 198.51.100.9",
            "10.1.2.3 | 198.51.100.256 | 10.1.2.3",
            "10.1.2.3 | 1.2.3.4.5, 10.2.2.2 | 10.2.2.2",
            "10.1.2.3 | 11.0.0.1, 10.255.255.255 | 11.0.0.1",
            "10.1.2.3 | 198.51.100.9, 192.0.2.6 | 192.0.2.6",
            "10.1.2.3 | 2001:db8::1, fdff::1 | 2001:db8:0:0:0:0:0:1",
            "10.1.2.3 | fe00::1, fd00::2 | fe00:0:0:0:0:0:0:1",
            "192.0.2.7 | 198.51.100.9 | 198.51.100.9"})
    void theClientIsTheNearestUntrustedAddress(String peer, String forwardedFor, String client) {
        assertThat(clientOf(peer, forwardedFor)).isEqualTo(client);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"no header", "empty"})
    void aTrustedPeerWithNothingForwardedIsTheClient(String what) {
        assertThat(what.equals("empty") ? clientOf("10.1.2.3", "") : clientOf("10.1.2.3")).isEqualTo("10.1.2.3");
    }

    @org.junit.jupiter.api.Test
    void severalHeadersAreOneListInOrder() {
        assertThat(clientOf("10.1.2.3", "198.51.100.1", "198.51.100.2, 10.0.0.9")).isEqualTo("198.51.100.2");
        assertThat(clientOf("10.1.2.3", "198.51.100.1", ",")).as("a header of commas alone has no entry").isEqualTo("198.51.100.1");
        assertThat(clientOf("10.1.2.3", "198.51.100.1", "")).as("an empty header is an empty entry").isEqualTo("10.1.2.3");
        assertThat(clientOf("10.1.2.3", "198.51.100.1, unknown", "10.0.0.9")).isEqualTo("10.0.0.9");
    }

    @org.junit.jupiter.api.Test
    void noTrustedProxyMeansThePeer() {
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Forwarded-For", "198.51.100.9");
        assertThat(TrustedProxies.NONE.clientOf(new InetSocketAddress("10.1.2.3", 1), headers).getHostAddress()).isEqualTo("10.1.2.3");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "10.0.0.0/33 | '10.0.0.0/33': the prefix length of an IPv4 network is 0..32",
            "fd00::/129 | 'fd00::/129': the prefix length of an IPv6 network is 0..128",
            "10.0.0.0/x | '10.0.0.0/x': the prefix length of an IPv4 network is 0..32",
            "10.0.0.0/-1 | '10.0.0.0/-1': the prefix length of an IPv4 network is 0..32",
            "localhost | 'localhost' is not an IP address or a CIDR network (a.b.c.d/n, x:y::/n)",
            "10.0.0/8 | '10.0.0/8' is not an IP address or a CIDR network (a.b.c.d/n, x:y::/n)"})
    void aBadNetworkIsRefusedInWords(String network, String message) {
        assertThatThrownBy(() -> TrustedProxies.of(List.of(network))).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    /** Bytes the current thread allocates per call of {@code clientOf(peer, headers)}, after a warm-up that lets the JIT compile it. */
    private static long allocatedPerCall(InetSocketAddress peer, HttpHeaders headers) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int seen = 0;
        for (int i = 0; i < 100_000; i++) seen += PROXIES.clientOf(peer, headers).hashCode();
        int calls = 10_000;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < calls; i++) seen += PROXIES.clientOf(peer, headers).hashCode();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(seen).isNotZero();
        return allocated / calls;
    }

    /**
     * The walk runs on every request while a rate limit is on: a request from an untrusted peer allocates at most the
     * copy of its address's 4 bytes, one through trusted proxies little more than the client's address (an Inet4Address
     * and its holder, an iterator), where splitting the header and matching with Netty's filter rules took 48 and about
     * 800 bytes. Allocation is counted, not timed; what the JIT keeps off the heap varies a little from run to run
     * (0 or 24 bytes, 80 to 128), hence the margins.
     */
    @org.junit.jupiter.api.Test
    void aRequestAllocatesNoMoreThanTheForwardedClientsAddress() {
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Forwarded-For", "203.0.113.1, 198.51.100.9, 10.9.9.9");
        long direct = allocatedPerCall(new InetSocketAddress("203.0.113.5", 1234), headers);
        long forwarded = allocatedPerCall(new InetSocketAddress("10.1.2.3", 1234), headers);
        System.out.printf("TRUSTED_PROXIES allocated per call: direct %d B, forwarded %d B%n", direct, forwarded);
        assertThat(direct).isLessThan(48);
        assertThat(forwarded).isLessThan(300);
    }
}

package dev.clb.lb.edge;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The proxies in front of the load balancer whose {@code X-Forwarded-For} is believed ({@code --trusted-proxies}), and
 * so who a request's client is: the socket's peer, or, when the peer is trusted, the nearest address in the header,
 * read from the right, that is not trusted itself. Each trusted proxy appends the address it saw, so the entries to
 * the right of the first untrusted one were written by proxies the operator vouches for, and the rest by whoever
 * the client is; trusting anything further left would let a client pick its own address. When every entry is trusted,
 * the leftmost is the client; an entry that is no address ends the walk at the last address read.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of());
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");

    private final IpSubnetFilterRule[] networks;
    /** The networks as given: what two configurations are compared by. */
    private final List<String> given;

    private TrustedProxies(List<IpSubnetFilterRule> networks, List<String> given) {
        this.networks = networks.toArray(IpSubnetFilterRule[]::new);
        this.given = List.copyOf(given);
    }

    /** Networks written as CIDR ({@code 10.0.0.0/8}, {@code fd00::/8}) or single addresses; blank entries are none. */
    public static TrustedProxies of(List<String> networks) {
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        List<String> given = new ArrayList<>();
        for (String network : networks) {
            if (network.isBlank()) continue;
            rules.add(network(network.trim()));
            given.add(network.trim());
        }
        return new TrustedProxies(rules, given);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TrustedProxies proxies && proxies.given.equals(given);
    }

    @Override
    public int hashCode() {
        return given.hashCode();
    }

    /** The networks as given, comma-separated: how a configuration shows it. */
    @Override
    public String toString() {
        return String.join(",", given);
    }

    private static IpSubnetFilterRule network(String cidr) {
        int slash = cidr.indexOf('/');
        String address = slash < 0 ? cidr : cidr.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) throw new IllegalArgumentException("'" + cidr + "' is not an IP address or a CIDR network (a.b.c.d/n, x:y::/n)");
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = cidr.substring(slash + 1);
            if (!length.matches("[0-9]{1,3}") || (prefix = Integer.parseInt(length)) > bits) {
                throw new IllegalArgumentException("'" + cidr + "': the prefix length of an IPv" + (bits == 32 ? 4 : 6) + " network is 0.." + bits);
            }
        }
        return new IpSubnetFilterRule(byAddress(bytes), prefix, IpFilterRuleType.ACCEPT);
    }

    /** The client of a request that came from {@code peer} with {@code headers}. */
    InetAddress clientOf(InetSocketAddress peer, HttpHeaders headers) {
        if (networks.length == 0 || !trusts(peer)) return peer.getAddress();
        InetAddress client = peer.getAddress();
        List<String> lists = headers.getAll(X_FORWARDED_FOR);
        for (int list = lists.size() - 1; list >= 0; list--) {
            String[] hops = lists.get(list).split(",");
            for (int hop = hops.length - 1; hop >= 0; hop--) {
                Optional<InetAddress> address = address(hops[hop].trim());
                if (address.isEmpty()) return client;
                client = address.get();
                if (!trusts(new InetSocketAddress(client, 0))) return client;
            }
        }
        return client;
    }

    private boolean trusts(InetSocketAddress address) {
        for (IpSubnetFilterRule network : networks) {
            if (network.matches(address)) return true;
        }
        return false;
    }

    /** An entry of the header: an address, IPv6 perhaps in brackets, either perhaps with a port. */
    static Optional<InetAddress> address(String entry) {
        String address = entry;
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            address = close < 0 ? entry : entry.substring(1, close);
        } else if (entry.indexOf(':') >= 0 && entry.indexOf(':') == entry.lastIndexOf(':')) {
            address = entry.substring(0, entry.indexOf(':')); // a.b.c.d:port
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        return bytes == null ? Optional.empty() : Optional.of(byAddress(bytes));
    }

    /** No lookup: the bytes are an address already. An IPv4-mapped IPv6 address becomes the IPv4 one. */
    private static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + bytes.length + " bytes", e);
        }
    }
}

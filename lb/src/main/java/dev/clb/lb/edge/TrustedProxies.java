package dev.clb.lb.edge;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The proxies in front of the load balancer whose {@code X-Forwarded-For} is believed ({@code --trusted-proxies}), and
 * so who a request's client is: the socket's peer, or, when the peer is trusted, the nearest address in the header,
 * read from the right, that is not trusted itself. Each trusted proxy appends the address it saw, so the entries to
 * the right of the first untrusted one were written by proxies the operator vouches for, and the rest by whoever
 * the client is; trusting anything further left would let a client pick its own address. When every entry is trusted,
 * the leftmost is the client; an entry that is no address ends the walk at the last address read.
 *
 * <p>This runs on every request while a rate limit is on: the networks are matched as numbers and the header is read in
 * place, so a request allocates nothing here but the client's address when it is a forwarded one (and an IPv6 entry's
 * parse).
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of());
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");

    private final Network[] networks;
    /** The networks as given: what two configurations are compared by. */
    private final List<String> given;

    /** A CIDR network as numbers: an IPv4 one in {@code low}'s low 32 bits, an IPv6 one in both. */
    private record Network(boolean v6, long high, long low, long highMask, long lowMask) {
        static Network of(byte[] address, int prefix) {
            int bits = address.length * 8;
            long high = bits == 128 ? bytesToLong(address, 0) : 0;
            long low = bits == 128 ? bytesToLong(address, 8) : bytesToLong(address, 0) >>> 32;
            long highMask = bits == 128 ? mask(prefix) : 0;
            long lowMask = bits == 128 ? mask(prefix - 64) : mask(prefix + 32) & 0xffffffffL;
            return new Network(bits == 128, high & highMask, low & lowMask, highMask, lowMask);
        }

        /** The top {@code prefix} bits of a long set (none below 0, all above 64). */
        private static long mask(int prefix) {
            return prefix <= 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
        }

        boolean matches(boolean v6, long high, long low) {
            return this.v6 == v6 && (high & highMask) == this.high && (low & lowMask) == this.low;
        }
    }

    private TrustedProxies(List<Network> networks, List<String> given) {
        this.networks = networks.toArray(Network[]::new);
        this.given = List.copyOf(given);
    }

    /** Networks written as CIDR ({@code 10.0.0.0/8}, {@code fd00::/8}) or single addresses; blank entries are none. */
    public static TrustedProxies of(List<String> networks) {
        List<Network> rules = new ArrayList<>();
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

    private static Network network(String cidr) {
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
        return Network.of(bytes, prefix);
    }

    /**
     * The client of a request that came from {@code peer} with {@code headers}. The entries are read left to right, all
     * {@code X-Forwarded-For} headers as one list, keeping what the walk from the right would answer were the list to
     * end at the entry just read: the latest untrusted address; after an entry that is no address, the address next
     * to it (none: the peer); with neither, the leftmost address. A header's trailing empty entries are none, as
     * {@code String.split} has them.
     */
    InetAddress clientOf(InetSocketAddress peer, HttpHeaders headers) {
        InetAddress peerAddress = peer.getAddress();
        if (networks.length == 0 || !trusts(peerAddress)) return peerAddress;
        boolean found = false; // an address decided so far: ipv4 when other is null
        long ipv4 = 0;
        InetAddress other = null;
        // all headers in the order they came (the values of one name may come newest first)
        for (Iterator<Map.Entry<CharSequence, CharSequence>> all = headers.iteratorCharSequence(); all.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = all.next();
            if (!X_FORWARDED_FOR.contentEqualsIgnoreCase(header.getKey())) continue;
            CharSequence list = header.getValue();
            int end = list.length();
            while (end > 0 && list.charAt(end - 1) == ',') end--;
            if (end == 0 && list.length() > 0) continue; // only commas: no entry
            for (int from = 0; from <= end; ) {
                int to = indexOf(list, ',', from, end), next = to + 1;
                while (from < to && list.charAt(from) <= ' ') from++;
                while (to > from && list.charAt(to - 1) <= ' ') to--;
                long entry = ipv4(list, from, to);
                InetAddress address = null;
                boolean trusted;
                if (entry >= 0) {
                    trusted = trusts(false, 0, entry);
                } else {
                    Optional<InetAddress> parsed = address(list.subSequence(from, to).toString());
                    if (parsed.isEmpty()) {
                        found = false;
                        from = next;
                        continue;
                    }
                    address = parsed.get();
                    trusted = trusts(address);
                }
                if (!trusted || !found) {
                    found = true;
                    ipv4 = entry;
                    other = address;
                }
                from = next;
            }
        }
        if (!found) return peerAddress;
        return other != null ? other : byAddress(new byte[] {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4});
    }

    private boolean trusts(InetAddress address) {
        if (address instanceof Inet4Address) {
            // read at constant indices and nowhere else: the compiler keeps the copy getAddress makes in registers
            byte[] b = address.getAddress();
            return trusts(false, 0, (b[0] & 0xffL) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff));
        }
        byte[] bytes = address.getAddress();
        return trusts(true, bytesToLong(bytes, 0), bytesToLong(bytes, 8));
    }

    private boolean trusts(boolean v6, long high, long low) {
        for (Network network : networks) {
            if (network.matches(v6, high, low)) return true;
        }
        return false;
    }

    /** Up to 8 bytes from {@code from}, big-endian, in the high bits of a long. */
    private static long bytesToLong(byte[] bytes, int from) {
        long value = 0;
        int to = Math.min(bytes.length, from + 8);
        for (int i = from; i < to; i++) value = value << 8 | (bytes[i] & 0xff);
        return value << (8 * (from + 8 - to));
    }

    private static int indexOf(CharSequence text, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == c) return i;
        }
        return to;
    }

    /**
     * The IPv4 address {@code text[from, to)} is, dotted quad, perhaps with {@code :port} (as {@link #address} reads
     * it), as an unsigned number; -1 when it is not one. Each part 1 to 3 digits up to 255, as Netty's parse takes them.
     */
    private static long ipv4(CharSequence text, int from, int to) {
        int end = indexOf(text, ':', from, to);
        if (end < to && indexOf(text, ':', end + 1, to) < to) return -1; // two colons: IPv6
        long address = 0;
        int parts = 0;
        int i = from;
        while (i <= end && parts < 4) {
            int dot = indexOf(text, '.', i, end);
            int length = dot - i;
            if (length < 1 || length > 3) return -1;
            int part = 0;
            for (int d = i; d < dot; d++) {
                char c = text.charAt(d);
                if (c < '0' || c > '9') return -1;
                part = part * 10 + (c - '0');
            }
            if (part > 255) return -1;
            address = address << 8 | part;
            parts++;
            i = dot + 1;
            if (dot == end) break;
        }
        return parts == 4 && i == end + 1 ? address : -1;
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

package dev.clb.lb.management;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hex SHA-256 of a ring's lookup table as the clients meet it: the strategy, each replica (name, ring id, weight) in
 * order, then the ring id serving each six-digit request id. Two load balancers with the same digest route every
 * request id alike, so agreement can be checked from outside. About 30 ms a ring; {@code /ring} keeps the last one.
 */
final class RingDigest {
    private RingDigest() {
    }

    static String of(Ring<?> ring) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        sha.update(ring.strategy().describe().toString().getBytes(StandardCharsets.UTF_8));
        for (Node<?> node : ring.nodes()) {
            sha.update(node.name().getBytes(StandardCharsets.UTF_8));
            sha.update(ByteBuffer.allocate(9).put((byte) 0).putInt(node.ringId()).putInt(node.weight()).array());
        }
        ByteBuffer owners = ByteBuffer.allocate(4096 * 4);
        for (long id = Ring.FIRST_SIX_DIGIT_ID; id <= Ring.LAST_SIX_DIGIT_ID; id++) {
            Node<?> owner = ring.lookup(id);
            owners.putInt(owner == null ? 0 : owner.ringId());
            if (!owners.hasRemaining()) {
                sha.update(owners.flip());
                owners.clear();
            }
        }
        sha.update(owners.flip());
        return HexFormat.of().formatHex(sha.digest());
    }
}

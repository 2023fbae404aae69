package dev.clb.lb.core;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.settings.InvalidSetting;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2018; HAProxy's {@code hash-balance-factor}):
 * a request goes to the first replica in the strategy's fallback order that, with this request, stays within
 * ceil(factor × (requests in flight + 1) / N), N the replicas that take requests (neither ejected nor down). Such a
 * replica always exists (N of them at the cap would hold more than all requests in flight), so a hot key spills over
 * to the next replicas instead of piling up on one.
 *
 * <p>The counts are read without a lock while event loops change them, so a pick follows the counts as they were a
 * moment ago; two picks racing may both take a replica's last place under the cap. When every untried replica is over
 * the cap (only possible on a retry or in such a race), the first untried one in the fallback order is taken. A
 * replica out of routing (ejected as an outlier, or down), or slow-starting and not taking the request id yet, is
 * passed over, and taken only when every other one was tried.
 */
public final class BoundedLoadChooser implements ReplicaChooser {
    private final double factor;
    private final IntSupplier total;
    private final Supplier<Duration> slowStart;

    /**
     * {@code total}: requests in flight to all replicas; each replica's own count is read off it. {@code slowStart}:
     * the slow-start window, read per request (zero: off).
     */
    public BoundedLoadChooser(double factor, IntSupplier total, Supplier<Duration> slowStart) {
        this.factor = checkedFactor(factor);
        this.total = total;
        this.slowStart = slowStart;
    }

    /** {@code factor} if it can bound loads: a finite number above 1.0. */
    public static double checkedFactor(double factor) {
        if (!(factor > 1.0) || Double.isInfinite(factor)) {
            throw new InvalidSetting("factor", "the bounded-load factor", "must be a factor above 1.0 (e.g. 1.25), got " + factor);
        }
        return factor;
    }

    /** The most requests in flight one replica may have, this one included, when {@code inFlight} are in flight to {@code replicas}. */
    public int cap(int inFlight, int replicas) {
        return (int) Math.ceil(factor * (inFlight + 1) / replicas);
    }

    @Override
    public Node<Replica> pick(Ring<Replica> ring, long requestId, List<Replica> tried, Ticker clock) {
        int replicas = ring.size();
        if (replicas == 0) return null;
        int inFlight = total.getAsInt();
        long window = slowStart.get().toNanos();
        if (tried.isEmpty()) { // the cap over the whole ring is never above the cap over those that take requests
            Node<Replica> owner = ring.lookup(requestId);
            if (owner.value().inFlight() < cap(inFlight, replicas) && owner.value().takes(requestId, window, clock)) return owner;
        }
        int cap = cap(inFlight, Math.max(1, takingRequests(ring, clock)));
        Node<Replica> firstUntried = null;
        Node<Replica> firstPassedOver = null;
        for (Node<Replica> node : ring.fallbackOrder(requestId)) {
            if (tried.contains(node.value())) continue;
            if (!node.value().takes(requestId, window, clock)) {
                if (firstPassedOver == null) firstPassedOver = node;
                continue;
            }
            if (node.value().inFlight() < cap) return node;
            if (firstUntried == null) firstUntried = node;
        }
        return firstUntried != null ? firstUntried : firstPassedOver;
    }

    /**
     * The replicas of {@code ring} that take requests: not ejected, not down. The requests in flight are shared among
     * those (Envoy and HAProxy bound the load over the hosts available), so an ejection does not lower every other
     * replica's cap and spill keys that their owners have room for.
     */
    private static int takingRequests(Ring<Replica> ring, Ticker clock) {
        int taking = 0;
        for (Node<Replica> node : ring.nodes()) {
            if (!node.value().outOfRouting(clock)) taking++;
        }
        return taking;
    }
}

package dev.clb.lb.observability;

import dev.clb.hashmap.HashRing;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.SlotRing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The ring as the dashboard draws it, whatever the strategy: a circle of {@code slots} positions, each replica's
 * points on it (a request's position is served by the first point clockwise), and its share of the six-digit ids.
 * The slot map shows its M slots and virtual servers; a hash ring its points, scaled from 64 bits to
 * {@value #HASH_CIRCLE}; Maglev has no circle, so its table shares are drawn as one arc per replica. The one place
 * that reads ring positions.
 */
record RingView(int slots, List<Replica> replicas) {
    static final int HASH_CIRCLE = 1 << 16;
    static final int SHARE_CIRCLE = 10_000;

    /** A replica's ring id, its weight, its points on the circle, how many positions it serves, and its share of the ids. */
    record Replica(String hostname, int ringId, int weight, int[] virtualServerSlots, int servedSlots, double share) {
    }

    static RingView of(Ring<?> ring) {
        int circle;
        List<int[]> points = new ArrayList<>();
        if (ring instanceof SlotRing<?> slots) {
            circle = slots.config().slots();
            ring.nodes().forEach(n -> points.add(slots.virtualServerSlots(n.name())));
        } else if (ring instanceof HashRing<?> hashRing) {
            circle = HASH_CIRCLE;
            ring.nodes().forEach(n -> points.add(Arrays.stream(hashRing.points(n.name())).mapToInt(p -> (int) (p >>> 48)).distinct().toArray()));
        } else {
            circle = SHARE_CIRCLE;
            long cumulative = 0;
            for (Node<?> n : ring.nodes()) {
                cumulative += ring.shares().get(n.name());
                points.add(new int[] {(int) Math.max(0, Math.round((double) cumulative * circle / Ring.SIX_DIGIT_IDS) - 1)});
            }
        }
        int[] served = served(points, circle);
        Map<String, Long> shares = ring.shares();
        List<Replica> replicas = new ArrayList<>();
        for (int i = 0; i < ring.size(); i++) {
            Node<?> n = ring.nodes().get(i);
            replicas.add(new Replica(n.name(), n.ringId(), n.weight(), points.get(i), served[i], (double) shares.get(n.name()) / Ring.SIX_DIGIT_IDS));
        }
        return new RingView(circle, replicas);
    }

    /** Positions each replica serves: from the point before its own (exclusive) to its own (inclusive), wrapping. */
    private static int[] served(List<int[]> points, int circle) {
        int[] owner = new int[circle];
        Arrays.fill(owner, -1);
        for (int i = 0; i < points.size(); i++) for (int p : points.get(i)) owner[p] = i;
        int[] served = new int[points.size()];
        int first = -1;
        for (int p = 0; p < circle && first < 0; p++) if (owner[p] >= 0) first = p;
        if (first < 0) return served;
        int current = owner[first];
        for (int step = 0; step < circle; step++) {
            int p = Math.floorMod(first - step, circle);
            if (owner[p] >= 0) current = owner[p];
            served[current]++;
        }
        return served;
    }
}

package dev.clb.lb.observability;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import java.util.List;
import java.util.Map;

/** The ring as the dashboard draws it: the one place that reads ring positions. */
record RingView(int slots, List<Replica> replicas) {

    /** A replica's ring id, the slots of its virtual servers, and how many slots it serves. */
    record Replica(String hostname, int ringId, int[] virtualServerSlots, int servedSlots, double share) {
    }

    static RingView of(Ring<?> ring) {
        int slots = ring.config().slots();
        Map<String, Integer> served = ring.servedSlots();
        List<Replica> replicas = ring.nodes().stream().map(Node::name).map(name -> {
            int count = served.getOrDefault(name, 0);
            return new Replica(name, ring.node(name).ringId(), ring.virtualServerSlots(name), count, (double) count / slots);
        }).toList();
        return new RingView(slots, replicas);
    }
}

package dev.clb.analyzer.stats;

import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.SlotRing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Why a ring splits the load as it does, computed from the hash map API over all 6-digit request ids: which slots
 * H reaches and how many ids land on each, where the virtual servers sit, and the arcs between them.
 *
 * @param reachable     slot to the number of 6-digit ids H maps there (only slots that get any)
 * @param replicas      per replica (ring ids 1..N): its virtual-server slots, the reachable slots it serves, its ids
 * @param arcs          the arcs between consecutive virtual servers, each ending at (and served by) a virtual server, most ids first
 */
public record RingAnalysis(String hash, int slots, Map<Integer, Long> reachable, List<ReplicaShare> replicas, List<Arc> arcs) {

    public record ReplicaShare(String name, int ringId, int[] virtualServerSlots, int reachableSlots, long ids) {
    }

    /** Slots {@code fromSlot}..{@code toSlot} clockwise (wrapping past the last slot), served by the virtual server at {@code toSlot}. */
    public record Arc(int fromSlot, int toSlot, String owner, int reachableSlots, long ids) {
    }

    public static RingAnalysis of(HashScheme hash, int n) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) names.add("server-" + i);
        SlotRing<String> ring = ExpectedSplit.ring(hash, names);
        int m = ring.config().slots();
        long[] idsPerSlot = new long[m];
        for (long id = RequestIds.FIRST; id <= RequestIds.LAST; id++) idsPerSlot[ring.slotOf(id)]++;
        Map<Integer, Long> reachable = new TreeMap<>();
        for (int s = 0; s < m; s++) if (idsPerSlot[s] > 0) reachable.put(s, idsPerSlot[s]);

        String[] ownerOfSlot = new String[m];
        for (Node<String> node : ring.nodes()) for (int s : ring.virtualServerSlots(node.name())) ownerOfSlot[s] = node.name();
        int[] vnodes = java.util.stream.IntStream.range(0, m).filter(s -> ownerOfSlot[s] != null).toArray();
        List<Arc> arcs = new ArrayList<>();
        for (int k = 0; k < vnodes.length; k++) {
            int to = vnodes[k];
            int from = (vnodes[Math.floorMod(k - 1, vnodes.length)] + 1) % m;
            int slotCount = 0;
            long ids = 0;
            for (int s = from; ; s = (s + 1) % m) {
                if (idsPerSlot[s] > 0) slotCount++;
                ids += idsPerSlot[s];
                if (s == to) break;
            }
            arcs.add(new Arc(from, to, ownerOfSlot[to], slotCount, ids));
        }
        arcs.sort((a, b) -> Long.compare(b.ids(), a.ids()));

        Map<String, Integer> servedSlots = new LinkedHashMap<>();
        Map<String, Long> servedIds = new LinkedHashMap<>();
        for (Arc arc : arcs) {
            servedSlots.merge(arc.owner(), arc.reachableSlots(), Integer::sum);
            servedIds.merge(arc.owner(), arc.ids(), Long::sum);
        }
        List<ReplicaShare> replicas = ring.nodes().stream().map(node -> new ReplicaShare(node.name(), node.ringId(),
                ring.virtualServerSlots(node.name()), servedSlots.getOrDefault(node.name(), 0),
                servedIds.getOrDefault(node.name(), 0L))).toList();
        return new RingAnalysis(hash.name(), m, reachable, replicas, List.copyOf(arcs));
    }

    public long totalIds() {
        return RequestIds.LAST - RequestIds.FIRST + 1;
    }

    /** Lowest and highest slot holding a virtual server. */
    public int[] virtualServerSpan() {
        int[] all = replicas.stream().flatMapToInt(r -> Arrays.stream(r.virtualServerSlots())).sorted().toArray();
        return new int[]{all[0], all[all.length - 1]};
    }
}

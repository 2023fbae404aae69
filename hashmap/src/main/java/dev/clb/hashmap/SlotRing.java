package dev.clb.hashmap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The assignment's map: M slots, K virtual servers per replica placed by Φ(ring id, j) with probing, and for every
 * slot the replica that serves it (the first virtual server clockwise, that slot included).
 *
 * <p>Placement is incremental: adding a replica probes for free slots around the existing ones, removing
 * one frees its slots and moves nobody else. A replica that comes back with the same ring id therefore lands
 * on exactly the slots it had, and a removal moves only the requests the removed replica served.
 */
public final class SlotRing<T> implements Ring<T> {
    private final RingConfig config;
    private final List<Node<T>> nodes;
    private final Node<T>[] virtualServerAt;
    private final Node<T>[] servingSlot;
    private final Snapshots.LazyShares shares = new Snapshots.LazyShares(this);

    private SlotRing(RingConfig config, List<Node<T>> nodes, Node<T>[] virtualServerAt) {
        this.config = config;
        this.nodes = nodes;
        this.virtualServerAt = virtualServerAt;
        this.servingSlot = serving(virtualServerAt);
    }

    public static <T> SlotRing<T> empty(RingConfig config) {
        return new SlotRing<>(config, List.of(), newSlots(config.slots()));
    }

    @SuppressWarnings("unchecked")
    private static <T> Node<T>[] newSlots(int slots) {
        return (Node<T>[]) new Node<?>[slots];
    }

    private static <T> Node<T>[] serving(Node<T>[] virtualServerAt) {
        int m = virtualServerAt.length;
        Node<T>[] serving = newSlots(m);
        int first = -1;
        for (int s = 0; s < m; s++) {
            if (virtualServerAt[s] != null) {
                first = s;
                break;
            }
        }
        if (first < 0) return serving;
        // walk counter-clockwise once around, carrying the nearest virtual server seen
        Node<T> current = virtualServerAt[first];
        for (int step = 0; step < m; step++) {
            int s = Math.floorMod(first - step, m);
            if (virtualServerAt[s] != null) current = virtualServerAt[s];
            serving[s] = current;
        }
        return serving;
    }

    @Override
    public SlotRing<T> with(Node<T> node) throws RingFullException {
        config.checkWeight(node.name(), node.weight());
        List<Node<T>> more = Snapshots.plus(nodes, node);
        int m = config.slots();
        Node<T>[] slots = Arrays.copyOf(virtualServerAt, m);
        for (int j = 0; j < config.virtualServers(); j++) {
            int home = config.scheme().virtualServer().slot(node.ringId(), j, m);
            int slot = -1;
            for (int attempt = 0; attempt < m; attempt++) {
                int candidate = config.probing().probe(home, attempt, m);
                if (slots[candidate] == null) {
                    slot = candidate;
                    break;
                }
            }
            if (slot < 0) {
                throw new RingFullException("no free slot for virtual server " + j + " of '" + node.name() + "' ("
                        + config.probing().name().toLowerCase() + " probing from slot " + home + ", " + nodes.size()
                        + " replicas x " + config.virtualServers() + " virtual servers in " + m + " slots)");
            }
            slots[slot] = node;
        }
        return new SlotRing<>(config, more, slots);
    }

    @Override
    public SlotRing<T> with(Node<T> node, Optional<Placement> placement) throws RingFullException {
        if (placement.isEmpty() || !fits(placement.get())) return with(node);
        config.checkWeight(node.name(), node.weight());
        List<Node<T>> more = Snapshots.plus(nodes, node);
        Node<T>[] slots = Arrays.copyOf(virtualServerAt, virtualServerAt.length);
        placement.get().slots().forEach(slot -> slots[slot] = node);
        return new SlotRing<>(config, more, slots);
    }

    /** Whether {@code placement} was made under this map's layout and its slots are distinct and free here. */
    private boolean fits(Placement placement) {
        List<Integer> slots = placement.slots();
        return placement.layout().equals(config.layout()) && slots.size() == config.virtualServers()
                && slots.stream().distinct().count() == slots.size()
                && slots.stream().allMatch(s -> s >= 0 && s < virtualServerAt.length && virtualServerAt[s] == null);
    }

    @Override
    public Optional<Placement> placement(String name) {
        int[] slots = virtualServerSlots(name);
        if (slots.length == 0) return Optional.empty();
        return Optional.of(new Placement(config.layout(), Arrays.stream(slots).boxed().toList()));
    }

    @Override
    public SlotRing<T> without(String name) {
        Node<T> gone = node(name);
        if (gone == null) return this;
        Node<T>[] slots = Arrays.copyOf(virtualServerAt, virtualServerAt.length);
        for (int s = 0; s < slots.length; s++) {
            if (slots[s] == gone) slots[s] = null;
        }
        return new SlotRing<>(config, Snapshots.minus(nodes, gone), slots);
    }

    public RingConfig config() {
        return config;
    }

    @Override
    public RingStrategy strategy() {
        return config;
    }

    @Override
    public List<Node<T>> nodes() {
        return nodes;
    }

    @Override
    public Map<String, Long> shares() {
        return shares.get();
    }

    /** The slot H(requestId) mod M. */
    public int slotOf(long requestId) {
        return config.scheme().request().slot(requestId, config.slots());
    }

    /** The replica serving {@code requestId}, or null when the ring is empty. Constant time, no allocation. */
    @Override
    public Node<T> lookup(long requestId) {
        return servingSlot[slotOf(requestId)];
    }

    /**
     * Every replica in the order a request meets them walking clockwise from its slot: the first is
     * {@link #lookup}'s answer, the next is where to retry when that one cannot be reached, and so on.
     */
    @Override
    public List<Node<T>> fallbackOrder(long requestId) {
        int m = virtualServerAt.length;
        int start = slotOf(requestId);
        List<Node<T>> order = new ArrayList<>(nodes.size());
        for (int step = 0; step < m && order.size() < nodes.size(); step++) {
            Node<T> n = virtualServerAt[(start + step) % m];
            if (n != null && !order.contains(n)) order.add(n);
        }
        return order;
    }

    /** Slots that hold a virtual server of {@code name}, ascending (empty when absent). */
    public int[] virtualServerSlots(String name) {
        return IntStream.range(0, virtualServerAt.length)
                .filter(s -> virtualServerAt[s] != null && virtualServerAt[s].name().equals(name)).toArray();
    }

    /** How many slots each replica serves, in node order. */
    public Map<String, Integer> servedSlots() {
        Map<String, Integer> served = new LinkedHashMap<>();
        nodes.forEach(n -> served.put(n.name(), 0));
        for (Node<T> n : servingSlot) {
            if (n != null) served.merge(n.name(), 1, Integer::sum);
        }
        return served;
    }
}

package dev.clb.hashmap;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The live consistent hash map: the current {@link Ring} of its strategy, replaced whole on every change.
 *
 * <p>Lookups read one volatile reference and never block or see a half-built ring. Changes are serialised
 * and either install a complete new ring or throw and leave the current one in place.
 */
public final class ConsistentHashMap<T> {
    private final AtomicReference<Ring<T>> ring;
    private final Consumer<Ring<T>> onChange;

    public ConsistentHashMap(RingStrategy strategy) {
        this(strategy, next -> { });
    }

    /** {@code onChange} is told of every new ring once it is installed, in order (it runs under this map's lock). */
    public ConsistentHashMap(RingStrategy strategy, Consumer<Ring<T>> onChange) {
        this.ring = new AtomicReference<>(strategy.empty());
        this.onChange = onChange;
    }

    public Ring<T> ring() {
        return ring.get();
    }

    public Node<T> lookup(long requestId) {
        return ring.get().lookup(requestId);
    }

    /** Adds {@code name} with the smallest ring id no live replica holds, so a replacement inherits its predecessor's slots. */
    public Node<T> add(String name, T value) throws RingFullException {
        return add(name, 1, value);
    }

    /** Adds {@code name} of {@code weight} with the smallest ring id no live replica holds. */
    public synchronized Node<T> add(String name, int weight, T value) throws RingFullException {
        Ring<T> current = ring.get();
        Node<T> node = new Node<>(name, smallestFreeRingId(current), weight, value);
        install(current.with(node));
        return node;
    }

    /** Adds all of {@code values} (name to value, in iteration order) in one change: all of them or none. */
    public synchronized Ring<T> addAll(LinkedHashMap<String, T> values) throws RingFullException {
        Ring<T> next = withAdded(ring.get(), values);
        install(next);
        return next;
    }

    /**
     * The ring {@link #addAll} would install for {@code names} now, with null values: their ring ids and placements.
     * Throws the error adding them would give; changes nothing.
     */
    public Ring<T> preview(List<String> names) throws RingFullException {
        LinkedHashMap<String, T> values = new LinkedHashMap<>();
        names.forEach(n -> values.put(n, null));
        return withAdded(ring.get(), values);
    }

    private static <T> Ring<T> withAdded(Ring<T> ring, Map<String, T> values) throws RingFullException {
        for (var e : values.entrySet()) {
            ring = ring.with(new Node<>(e.getKey(), smallestFreeRingId(ring), e.getValue()));
        }
        return ring;
    }

    /**
     * Adds {@code name} with a given ring id, exactly at {@code placement} where it still fits (see
     * {@link Ring#with(Node, Optional)}): to put back a replica that was in the map, on the slots it had.
     */
    public Node<T> add(String name, T value, int ringId, Optional<Placement> placement) throws RingFullException {
        return add(new Node<>(name, ringId, value), placement);
    }

    /** Adds {@code node} on its ring id and with its weight, exactly at {@code placement} where it still fits. */
    public synchronized Node<T> add(Node<T> node, Optional<Placement> placement) throws RingFullException {
        install(ring.get().with(node, placement));
        return node;
    }

    /**
     * Puts {@code newName} in the place of {@code oldName} in one change: same ring id, weight and the very slots it held
     * (probing from the ring id could find a slot freed since it joined), and no moment in which the old replica's
     * requests go elsewhere. Returns the new node, or null when
     * {@code oldName} is not on the ring (nothing changes then).
     */
    public synchronized Node<T> replace(String oldName, String newName, T value) throws RingFullException {
        Ring<T> current = ring.get();
        Node<T> old = current.node(oldName);
        if (old == null) return null;
        Node<T> node = new Node<>(newName, old.ringId(), old.weight(), value);
        install(current.without(oldName).with(node, current.placement(oldName)));
        return node;
    }

    /**
     * Replaces the whole ring in one change by one holding {@code nodes}, added in this order, each on its ring id and
     * weight and at its placement where that fits: to install a ring another map built, node for node.
     */
    public synchronized Ring<T> replaceAll(List<Node<T>> nodes, Function<String, Optional<Placement>> placements) throws RingFullException {
        Ring<T> next = ring.get().strategy().empty();
        for (Node<T> node : nodes) next = next.with(node, placements.apply(node.name()));
        install(next);
        return next;
    }

    /** Removes {@code name}; returns the removed node, or null when it was not on the ring. */
    public synchronized Node<T> remove(String name) {
        Ring<T> current = ring.get();
        Node<T> node = current.node(name);
        if (node != null) install(current.without(name));
        return node;
    }

    /** Removes all of {@code names} in one change; names not on the ring are ignored. */
    public synchronized void removeAll(Collection<String> names) {
        Ring<T> next = ring.get();
        for (String name : names) next = next.without(name);
        install(next);
    }

    /**
     * Moves the map to {@code strategy} in one change: the same replicas, with their ring ids and weights, placed by the
     * new strategy ({@link #rebuilt}); lookups see the old ring or the new one, never a mix. Throws, changing nothing,
     * when they do not all fit the new strategy.
     */
    public synchronized Ring<T> switchTo(RingStrategy strategy) throws RingFullException {
        Ring<T> next = rebuilt(ring.get(), strategy);
        install(next);
        return next;
    }

    /**
     * Installs {@code nodes} (names, ring ids, weights, values), in order, on an empty ring of {@code strategy}, in one
     * change: a new set of replicas, a new strategy or both at once. Throws, changing nothing, when they do not fit.
     */
    public synchronized Ring<T> rebuild(RingStrategy strategy, List<Node<T>> nodes) throws RingFullException {
        Ring<T> current = ring.get();
        Ring<T> next = strategy.empty();
        for (Node<T> node : nodes) next = next.with(node, current.placement(node.name())); // the same slots, where the layout is the same
        install(next);
        return next;
    }

    /** {@code ring}'s replicas (ring ids, weights, values) on an empty ring of {@code strategy}, in its order; {@code ring} is untouched. */
    public static <T> Ring<T> rebuilt(Ring<T> ring, RingStrategy strategy) throws RingFullException {
        Ring<T> next = strategy.empty();
        for (Node<T> node : ring.nodes()) next = next.with(node, ring.placement(node.name()));
        return next;
    }

    private void install(Ring<T> next) {
        ring.set(next);
        onChange.accept(next);
    }

    static int smallestFreeRingId(Ring<?> ring) {
        int id = 1;
        while (true) {
            final int candidate = id;
            if (ring.nodes().stream().noneMatch(n -> n.ringId() == candidate)) return candidate;
            id++;
        }
    }
}

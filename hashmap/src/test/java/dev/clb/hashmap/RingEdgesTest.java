package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Small exact cases at the edges of the ring, its configuration and the live map. */
class RingEdgesTest {

    /** 8 slots, H(i) = i mod 8, ring id i's only virtual server at slot PLACES[i - 1]. */
    private static final int[] PLACES = {5, 0, 2};

    private static ConsistentHashMap<String> handMade(int replicas) throws RingFullException {
        HashScheme fixed = new HashScheme("fixed", "hand-placed", (id, m) -> (int) Math.floorMod(id, m), (ringId, j, m) -> PLACES[ringId - 1]);
        ConsistentHashMap<String> map = new ConsistentHashMap<>(new RingConfig(8, 1, fixed, Probing.LINEAR));
        for (int i = 1; i <= replicas; i++) map.add("r" + i, "value-" + i);
        return map;
    }

    @Test
    void aVirtualServerInSlotZeroServesItsArc() throws RingFullException {
        SlotRing<String> ring = (SlotRing<String>) handMade(2).ring(); // r1 at 5, r2 at 0
        assertThat(ring.virtualServerSlots("r2")).containsExactly(0);
        for (int slot = 0; slot < 8; slot++) {
            assertThat(ring.lookup(slot).name()).as("slot %d", slot).isEqualTo(slot >= 1 && slot <= 5 ? "r1" : "r2");
        }
    }

    @Test
    void servedSlotsAndSharesAreInNodeOrderAndExact() throws RingFullException {
        SlotRing<String> ring = (SlotRing<String>) handMade(3).ring(); // r1 at 5, r2 at 0, r3 at 2: slot order r2, r3, r1
        assertThat(ring.servedSlots()).containsExactly(java.util.Map.entry("r1", 3), java.util.Map.entry("r2", 3), java.util.Map.entry("r3", 2));
        assertThat(ring.requestShare(3, 3)).containsExactly(java.util.Map.entry("r1", 1L), java.util.Map.entry("r2", 0L), java.util.Map.entry("r3", 0L));
        assertThat(ring.requestShare(0, 7)).containsExactly(java.util.Map.entry("r1", 3L), java.util.Map.entry("r2", 3L), java.util.Map.entry("r3", 2L));
        assertThat(ring.size()).isEqualTo(3);
        assertThat(SlotRing.<String>empty(RingConfig.defaults()).size()).isZero();
        assertThat(ring.config().slots()).isEqualTo(8);
        assertThat(ring.node("absent")).isNull();
        assertThat(ring.virtualServerSlots("absent")).isEmpty();
        assertThat(ring.without("absent")).isSameAs(ring);
    }

    @Test
    void theLiveMapAnswersWhatItChanged() throws RingFullException {
        ConsistentHashMap<String> map = handMade(1);
        Node<String> added = map.add("r2", "value-2");
        assertThat(added).isEqualTo(new Node<>("r2", 2, "value-2"));
        assertThat(map.lookup(0)).isEqualTo(added);
        assertThat(map.lookup(3).name()).isEqualTo("r1");
        assertThat(map.remove("r2")).isEqualTo(added);
        assertThat(map.remove("r2")).isNull();
        LinkedHashMap<String, String> two = new LinkedHashMap<>();
        two.put("x", "vx");
        two.put("y", "vy");
        Ring<String> ring = map.addAll(two);
        assertThat(ring).isSameAs(map.ring());
        assertThat(ring.nodes()).extracting(Node::name).containsExactly("r1", "x", "y");
        assertThat(ring.node("y").ringId()).isEqualTo(3);
        assertThat(ring.node("y").value()).isEqualTo("vy");
        map.remove("x");
        assertThat(map.add("z", "vz", 2, Optional.empty())).isEqualTo(new Node<>("z", 2, "vz")).isEqualTo(map.ring().node("z"));
    }

    /** What the load balancer's ring-change count relies on: one call per installed ring, none for a change refused or void. */
    @Test
    void theChangeListenerIsToldOfEachInstalledRingOnceAndOfNothingElse() throws RingFullException {
        List<Ring<String>> told = new ArrayList<>();
        ConsistentHashMap<String> map = new ConsistentHashMap<>(new RingConfig(2, 1, HashScheme.ASSIGNMENT, Probing.LINEAR), told::add);
        map.add("a", "va");
        Ring<String> added = map.ring();
        map.replace("a", "b", "vb");
        Ring<String> replaced = map.ring();
        map.addAll(new LinkedHashMap<>(java.util.Map.of("c", "vc"))); // the second and last slot
        Ring<String> full = map.ring();
        assertThatThrownBy(() -> map.add("d", "vd")).isInstanceOf(RingFullException.class);
        assertThat(map.remove("absent")).isNull();
        assertThat(map.replace("absent", "e", "ve")).isNull();
        map.remove("c");
        Ring<String> removed = map.ring();
        map.add("c", "vc", 2, Optional.empty());
        Ring<String> readded = map.ring();
        map.removeAll(List.of("b", "c"));
        assertThat(told).containsExactly(added, replaced, full, removed, readded, map.ring());
        assertThat(map.ring().size()).isZero();
    }

    @Test
    void configurationBoundsAreInclusiveWhereTheyShouldBe() {
        assertThat(new RingConfig(1, 1, HashScheme.ASSIGNMENT, Probing.LINEAR).capacity()).isEqualTo(1);
        assertThat(new RingConfig(9, 9, HashScheme.ASSIGNMENT, Probing.LINEAR).virtualServers()).isEqualTo(9);
        assertThatThrownBy(() -> new RingConfig(0, 1, HashScheme.ASSIGNMENT, Probing.LINEAR)).hasMessageContaining("slots must be positive");
        assertThatThrownBy(() -> new RingConfig(8, 0, HashScheme.ASSIGNMENT, Probing.LINEAR)).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> new RingConfig(8, 9, HashScheme.ASSIGNMENT, Probing.LINEAR)).hasMessageContaining("cannot exceed slots (8)");
        assertThat(RingConfig.defaults().capacity()).isEqualTo(56);
        assertThat(new RingConfig(512, 16, HashScheme.ASSIGNMENT, Probing.LINEAR).capacity()).isEqualTo(32);
        assertThat(RingConfig.of(1, HashScheme.ASSIGNMENT, Probing.LINEAR).virtualServers()).isEqualTo(1);
        assertThat(RingConfig.of(1000, HashScheme.ASSIGNMENT, Probing.LINEAR).virtualServers()).isEqualTo(10);
    }

    @Test
    void probingIsFoundByName() {
        assertThat(Probing.named("Quadratic")).isSameAs(Probing.QUADRATIC);
        assertThat(Probing.named("linear")).isSameAs(Probing.LINEAR);
        assertThatThrownBy(() -> Probing.named("cubic")).hasMessage("unknown probing 'cubic'; known: linear, quadratic");
        assertThat(List.of(Probing.values())).hasSize(2);
    }
}

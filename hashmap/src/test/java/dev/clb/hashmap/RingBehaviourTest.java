package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RingBehaviourTest {

    /** Φ that sends every virtual server of every replica to one slot, to force collisions. */
    private static RingConfig allCollideAt(int home, int slots, int vnodes, Probing probing) {
        HashScheme colliding = new HashScheme("colliding", "test", (id, m) -> (int) Math.floorMod(id, m), (i, j, m) -> home);
        return new RingConfig(slots, vnodes, colliding, probing);
    }

    @Test
    void linearProbingTakesTheNextFreeSlotsWrappingAround() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(allCollideAt(14, 16, 3, Probing.LINEAR));
        map.add("a", null);
        map.add("b", null);
        assertThat(RingFiguresTest.slotRing(map).virtualServerSlots("a")).containsExactly(0, 14, 15); // ascending: 14, 15, then wrapped to 0
        assertThat(RingFiguresTest.slotRing(map).virtualServerSlots("b")).containsExactly(1, 2, 3);
    }

    @Test
    void aPreviewIsTheRingAddAllGivesAndChangesNothing() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(RingConfig.of(512, HashScheme.named("assignment"), Probing.LINEAR));
        map.add("a", null, 2, Optional.empty());
        map.add("b", null, 4, Optional.empty());
        Ring<Void> before = map.ring();
        Ring<Void> preview = map.preview(List.of("c", "d", "e"));
        assertThat(map.ring()).isSameAs(before);
        assertThat(List.of("c", "d", "e")).extracting(name -> preview.node(name).ringId()).containsExactly(1, 3, 5);
        LinkedHashMap<String, Void> three = new LinkedHashMap<>();
        for (String name : List.of("c", "d", "e")) three.put(name, null);
        map.addAll(three);
        for (String name : three.keySet()) {
            assertThat(map.ring().node(name).ringId()).isEqualTo(preview.node(name).ringId());
            assertThat(map.ring().placement(name)).isEqualTo(preview.placement(name));
        }
    }

    /** Every ring id's virtual server j has home slot 4j, so each replica probes past those that joined before it. */
    private static RingConfig homesAt4j() {
        HashScheme colliding = new HashScheme("colliding", "test", (id, m) -> (int) Math.floorMod(id, m), (i, j, m) -> 4 * j % m);
        return new RingConfig(16, 2, colliding, Probing.LINEAR);
    }

    @Test
    void aReplicaPutBackByRingIdAloneCanLandElsewhereWhenTheOneItProbedPastHasLeft() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(homesAt4j());
        map.add("a", null); // ring id 1: slots 0, 4
        map.add("b", null); // ring id 2: probed past a to 1, 5
        map.remove("a");
        map.add("c", null); // ring id 1 again: 0, 4
        assertThat(RingFiguresTest.slotRing(map).virtualServerSlots("b")).containsExactly(1, 5);
        // what adoption did before placements were kept: re-add in order of joining, by ring id
        ConsistentHashMap<Void> rebuilt = new ConsistentHashMap<>(homesAt4j());
        rebuilt.add("b", null, 2, Optional.empty());
        rebuilt.add("c", null, 1, Optional.empty());
        assertThat(RingFiguresTest.slotRing(rebuilt).virtualServerSlots("b")).containsExactly(0, 4);
    }

    @Test
    void aReplicaPutBackWithItsPlacementLandsExactlyWhereItWasInAnyOrder() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(homesAt4j());
        map.add("a", null);
        map.add("b", null);
        map.add("x", null);
        map.remove("a");
        map.add("c", null);
        map.remove("x");
        Ring<Void> live = map.ring();
        for (List<String> order : List.of(List.of("b", "c"), List.of("c", "b"))) {
            ConsistentHashMap<Void> rebuilt = new ConsistentHashMap<>(homesAt4j());
            for (String name : order) {
                Placement recorded = Placement.parse(live.placement(name).orElseThrow().encoded()).orElseThrow();
                rebuilt.add(name, null, live.node(name).ringId(), Optional.of(recorded));
            }
            for (String name : order) {
                assertThat(RingFiguresTest.slotRing(rebuilt).virtualServerSlots(name)).as(order + " " + name)
                        .containsExactly(RingFiguresTest.slotRing(map).virtualServerSlots(name));
            }
        }
    }

    @Test
    void aPlacementThatDoesNotFitIsIgnoredForProbingFromTheRingId() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(homesAt4j());
        map.add("a", null);
        Placement ofA = map.ring().placement("a").orElseThrow();
        assertThat(ofA).isEqualTo(new Placement("16x2/colliding/linear", List.of(0, 4)));
        map.add("b", null, 2, Optional.of(ofA)); // a holds those slots
        assertThat(RingFiguresTest.slotRing(map).virtualServerSlots("b")).containsExactly(1, 5);
        for (List<Integer> misfit : List.of(List.of(8), List.of(8, 9, 10), List.of(8, 8), List.of(8, 16), List.of(-1, 8))) {
            Ring<Void> ring = map.ring().with(new Node<>("c", 3, null), Optional.of(new Placement("16x2/colliding/linear", misfit)));
            assertThat(((SlotRing<Void>) ring).virtualServerSlots("c")).as("%s", misfit).containsExactly(2, 6);
        }
        ConsistentHashMap<Void> other = new ConsistentHashMap<>(RingConfig.defaults());
        other.add("a", null, 1, Optional.of(new Placement("16x2/colliding/linear", List.of(3, 7)))); // another layout
        assertThat(RingFiguresTest.slotRing(other).virtualServerSlots("a")).isEqualTo(RingFiguresTest.slotRing(RingFiguresTest.mapWith(1, RingConfig.defaults())).virtualServerSlots("server-1"));
        assertThat(Placement.parse("nonsense")).isEmpty();
        assertThat(Placement.parse("16x2/colliding/linear:")).isEmpty();
        assertThat(Placement.parse(null)).isEmpty();
        assertThat(Placement.parse("16x2/colliding/linear:1,x")).isEmpty();
        assertThat(Placement.parse(":8,12")).as("no layout").isEmpty();
        assertThat(new HashRing.Config(16).<Void>empty().with(new Node<>("a", 1, null)).placement("a")).isEmpty();
    }

    @Test
    void aPlacementIsHonouredAtTheEdgesOfTheSlotTable() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(homesAt4j());
        for (List<Integer> free : List.of(List.of(0, 8), List.of(9, 15))) { // slot 0 and slot M - 1
            Ring<Void> ring = map.ring().with(new Node<>("c", 3, null), Optional.of(new Placement("16x2/colliding/linear", free)));
            assertThat(((SlotRing<Void>) ring).virtualServerSlots("c")).as("%s", free).containsExactly(free.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void aReplacementTakesTheVerySlotsOfItsPredecessorNotWhereItsRingIdWouldProbeNow() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(homesAt4j());
        map.add("a", null);
        map.add("b", null); // 1, 5: pushed past a
        map.remove("a");    // 0 and 4 free now
        map.replace("b", "c", null);
        assertThat(RingFiguresTest.slotRing(map).virtualServerSlots("c")).containsExactly(1, 5);
    }

    @Test
    void quadraticProbingJumpsBySquares() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(allCollideAt(3, 16, 3, Probing.QUADRATIC));
        map.add("a", null);
        // home 3 taken by a's first virtual server, then 3+1 = 4, then 3+1 = 4 taken → 3+4 = 7
        assertThat(RingFiguresTest.slotRing(map).virtualServerSlots("a")).containsExactly(3, 4, 7);
    }

    @Test
    void aFullRingRefusesTheReplicaAndStaysUnchanged() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(new RingConfig(16, 4, HashScheme.ASSIGNMENT, Probing.LINEAR));
        for (String name : List.of("a", "b", "c", "d")) map.add(name, null);
        Ring<Void> before = map.ring();
        assertThatThrownBy(() -> map.add("e", null)).isInstanceOf(RingFullException.class)
                .hasMessageContaining("no free slot").hasMessageContaining("'e'");
        assertThat(map.ring()).isSameAs(before);
    }

    @Test
    void quadraticProbingThatCyclesFailsInsteadOfLooping() {
        // squares mod 16 reach only 4 distinct offsets (0, 1, 4, 9), so a 5th virtual server finds no slot
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(allCollideAt(0, 16, 5, Probing.QUADRATIC));
        assertThatThrownBy(() -> map.add("a", null)).isInstanceOf(RingFullException.class).hasMessageContaining("quadratic");
        assertThat(map.ring().size()).isZero();
    }

    @Test
    void addAllIsAllOrNothing() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(new RingConfig(16, 4, HashScheme.ASSIGNMENT, Probing.LINEAR));
        map.add("a", null);
        LinkedHashMap<String, Void> five = new LinkedHashMap<>();
        for (String n : List.of("b", "c", "d", "e")) five.put(n, null);
        assertThatThrownBy(() -> map.preview(List.copyOf(five.keySet()))).isInstanceOf(RingFullException.class);
        assertThatThrownBy(() -> map.addAll(five)).isInstanceOf(RingFullException.class);
        assertThat(map.ring().nodes()).extracting(Node::name).containsExactly("a");
    }

    @Test
    void ringIdsAreTheSmallestFreeOnes() throws RingFullException {
        ConsistentHashMap<Void> map = RingFiguresTest.mapWith(4, RingConfig.defaults());
        map.remove("server-2");
        assertThat(map.add("fresh", null).ringId()).isEqualTo(2);
        assertThat(map.add("next", null).ringId()).isEqualTo(5);
    }

    @Test
    void removingAReplicaMovesOnlyTheRequestsItServed() throws RingFullException {
        for (HashScheme scheme : HashScheme.ALL) {
            ConsistentHashMap<Void> map = RingFiguresTest.mapWith(5, RingConfig.of(512, scheme, Probing.LINEAR));
            Ring<Void> before = map.ring();
            map.remove("server-3");
            Ring<Void> after = map.ring();
            for (long id = 100_000; id < 200_000; id++) {
                String was = before.lookup(id).name();
                if (!was.equals("server-3")) assertThat(after.lookup(id).name()).as(scheme.name() + " id " + id).isEqualTo(was);
            }
        }
    }

    @Test
    void aReplacementWithTheSameRingIdRestoresTheExactOwnership() throws RingFullException {
        for (HashScheme scheme : HashScheme.ALL) {
            ConsistentHashMap<Void> map = RingFiguresTest.mapWith(4, RingConfig.of(512, scheme, Probing.LINEAR));
            SlotRing<Void> before = RingFiguresTest.slotRing(map);
            map.remove("server-2");
            Node<Void> replacement = map.add("k3j9x", null);
            assertThat(replacement.ringId()).isEqualTo(2);
            SlotRing<Void> after = RingFiguresTest.slotRing(map);
            assertThat(after.virtualServerSlots("k3j9x")).containsExactly(before.virtualServerSlots("server-2"));
            for (int slot = 0; slot < 512; slot++) {
                String owner = before.lookup(slot) == null ? null : before.lookup(slot).name();
                String now = after.lookup(slot).name();
                assertThat(now).isEqualTo("server-2".equals(owner) ? "k3j9x" : owner);
            }
        }
    }

    @Test
    void replaceSwapsInTheNewReplicaOnTheOldOnesSlotsInOneChange() throws RingFullException {
        ConsistentHashMap<Void> map = RingFiguresTest.mapWith(3, RingConfig.defaults());
        int[] slots = RingFiguresTest.slotRing(map).virtualServerSlots("server-2");
        Node<Void> node = map.replace("server-2", "fresh", null);
        assertThat(node.ringId()).isEqualTo(2);
        assertThat(RingFiguresTest.slotRing(map).virtualServerSlots("fresh")).containsExactly(slots);
        assertThat(map.ring().nodes()).extracting(Node::name).containsExactly("server-1", "server-3", "fresh");
        assertThat(map.replace("absent", "other", null)).isNull();
    }

    @Test
    void removeAllTakesOutSeveralAtOnceAndAnExplicitRingIdBringsOneBack() throws RingFullException {
        ConsistentHashMap<Void> map = RingFiguresTest.mapWith(4, RingConfig.defaults());
        SlotRing<Void> before = RingFiguresTest.slotRing(map);
        map.removeAll(List.of("server-1", "server-3", "unknown"));
        assertThat(map.ring().nodes()).extracting(Node::name).containsExactly("server-2", "server-4");
        map.add("server-1", null, 1, Optional.empty());
        map.add("server-3", null, 3, Optional.empty());
        for (String name : List.of("server-1", "server-2", "server-3", "server-4")) {
            assertThat(RingFiguresTest.slotRing(map).virtualServerSlots(name)).as(name).containsExactly(before.virtualServerSlots(name));
        }
        assertThatThrownBy(() -> map.add("dup", null, 3, Optional.empty())).hasMessageContaining("ring id 3 is already taken");
    }

    @Test
    void clockwiseOrderStartsAtTheOwnerAndVisitsEveryReplicaOnce() throws RingFullException {
        Ring<Void> ring = RingFiguresTest.mapWith(3, RingConfig.defaults()).ring();
        for (long id = 100_000; id < 101_000; id++) {
            List<Node<Void>> order = ring.fallbackOrder(id);
            assertThat(order.get(0)).isEqualTo(ring.lookup(id));
            assertThat(order).hasSize(3).doesNotHaveDuplicates();
        }
    }

    @Test
    void emptyRingLooksUpNothing() {
        Ring<Void> ring = SlotRing.empty(RingConfig.defaults());
        assertThat(ring.lookup(123456)).isNull();
        assertThat(ring.fallbackOrder(123456)).isEmpty();
    }

    @Test
    void lookupsDuringAStreamOfChangesAlwaysFindALiveConsistentRing() throws Exception {
        ConsistentHashMap<Void> map = RingFiguresTest.mapWith(3, RingConfig.defaults());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong lookups = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread reader = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop.get()) {
                    try {
                        SlotRing<Void> ring = (SlotRing<Void>) map.ring();
                        Node<Void> node = ring.lookup(random.nextLong(100_000, 1_000_000));
                        // a snapshot is complete: its owner is one of its members, and it serves every slot
                        assertThat(node).isNotNull();
                        assertThat(ring.nodes()).contains(node);
                        assertThat(ring.servedSlots().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(512);
                        lookups.incrementAndGet();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        return;
                    }
                }
            });
            reader.start();
            readers.add(reader);
        }
        for (int change = 0; change < 2_000; change++) {
            String name = "extra-" + change;
            map.add(name, null);
            if (change % 2 == 0) map.remove("server-1"); else map.add("server-1", null);
            map.remove(name);
        }
        stop.set(true);
        for (Thread r : readers) r.join();
        assertThat(failure.get()).isNull();
        assertThat(lookups.get()).isPositive();
    }
}

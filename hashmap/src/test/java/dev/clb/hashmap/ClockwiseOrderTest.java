package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exact retry order on a ring laid out by hand: where a request goes when its owner cannot answer, and
 * after that. 16 slots, H(i) = i mod 16, and each replica's two virtual servers at fixed slots:
 * <pre>
 * slot   0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *              a     b     a           c  c     b
 * </pre>
 */
class ClockwiseOrderTest {
    private static final int[][] VIRTUAL_SERVER_SLOTS = {{2, 6}, {4, 13}, {10, 11}}; // ring ids 1 (a), 2 (b), 3 (c)

    private static SlotRing<Void> handMadeRing() throws RingFullException {
        HashScheme fixed = new HashScheme("fixed", "hand-placed virtual servers", (id, m) -> (int) Math.floorMod(id, m),
                (ringId, j, m) -> VIRTUAL_SERVER_SLOTS[ringId - 1][j]);
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(new RingConfig(16, 2, fixed, Probing.LINEAR));
        for (String name : List.of("a", "b", "c")) map.add(name, null);
        return (SlotRing<Void>) map.ring();
    }

    /** The one call under test (the retry order of a request), in one place. */
    private static List<String> retryOrder(SlotRing<Void> ring, long requestId) {
        return ring.fallbackOrder(requestId).stream().map(Node::name).toList();
    }

    @ParameterizedTest(name = "slot {0}: {1}")
    @CsvSource({
            "0, abc", "1, abc", "2, abc", "3, bac", "4, bac", "5, acb", "6, acb", "7, cba",
            "8, cba", "9, cba", "10, cba", "11, cba", "12, bac", "13, bac", "14, abc", "15, abc"})
    void everySlotMeetsTheReplicasInClockwiseOrderWrappingAround(int slot, String expected) throws RingFullException {
        SlotRing<Void> ring = handMadeRing();
        assertThat(ring.virtualServerSlots("a")).containsExactly(2, 6);
        assertThat(ring.virtualServerSlots("b")).containsExactly(4, 13);
        assertThat(ring.virtualServerSlots("c")).containsExactly(10, 11);
        List<String> order = List.of(expected.split(""));
        assertThat(retryOrder(ring, slot)).containsExactlyElementsOf(order);
        assertThat(retryOrder(ring, slot + 16L * 1000)).as("the same slot, another id").containsExactlyElementsOf(order);
        assertThat(ring.lookup(slot).name()).isEqualTo(order.get(0));
    }

    @ParameterizedTest(name = "without {0}, slot {1}: {2}")
    @CsvSource({"a, 5, cb", "a, 14, bc", "b, 3, ac", "b, 12, ac", "c, 7, ba", "c, 11, ba"})
    void aRemovedReplicaIsSkippedAndTheRestKeepTheirOrder(String removed, int slot, String expected) throws RingFullException {
        SlotRing<Void> ring = handMadeRing().without(removed);
        assertThat(retryOrder(ring, slot)).containsExactlyElementsOf(List.of(expected.split("")));
    }
}

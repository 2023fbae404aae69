package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Weights: ring gives a replica of weight W W times the points, Maglev W times the table turns, the slot map refuses
 * them; weight 1 everywhere is the unweighted map, bit for bit.
 */
class WeightsTest {

    /** Replicas {@code server-1..} on ring ids 1.. with {@code weights}, in that order. */
    private static Ring<Void> weighted(RingStrategy strategy, List<Integer> weights) throws RingFullException {
        Ring<Void> ring = strategy.empty();
        for (int i = 0; i < weights.size(); i++) ring = ring.with(new Node<>("server-" + (i + 1), i + 1, weights.get(i), null));
        return ring;
    }

    private static double[] shares(Ring<Void> ring) {
        return ring.shares().values().stream().mapToDouble(ids -> ids / (double) Ring.SIX_DIGIT_IDS).toArray();
    }

    private static double[] expected(List<Integer> weights) {
        double sum = weights.stream().mapToInt(Integer::intValue).sum();
        return weights.stream().mapToDouble(w -> w / sum).toArray();
    }

    /**
     * SHA-256 of what each strategy built for N = 1..6 replicas of weight 1: the owner of every six-digit id, and the
     * ring's points or the Maglev table or the slots of the virtual servers. The expected digests were computed by
     * the code of before weights (main at 1a047e8), so a weight-1 map is the very map of before.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "slots, daa7a8644b2b1d79f26af70faad1ece30d58596cc5f38a6963397aa7b6720930",
            "slots-murmur, 92540d20e07bb72eb587d4af9b538b638339c1f4b7e505bacfde565c31f7d81c",
            "ring, 3671497064cdc4dbcb695221398bebc13ec0b6773b54c0267b67ef6db49c7c9b",
            "ring-1024, 107af5e8c8db62269e783105d4486dffa958984e5bdcb69a05e1e72a137286b3",
            "maglev, 7e473eb7001750b9a2d271de7a521a0a3bb5e06c5c2395ffb383f865a2d198e2"})
    void weightOneEverywhereBuildsExactlyTheUnweightedMaps(String name, String digest) throws Exception {
        RingStrategy strategy = switch (name) {
            case "slots" -> Strategies.SLOTS;
            case "slots-murmur" -> Strategies.SLOTS_MURMUR;
            case "ring" -> Strategies.RING;
            case "ring-1024" -> Strategies.RING_1024;
            default -> Strategies.MAGLEV;
        };
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int n = 1; n <= 6; n++) {
            Ring<Void> ring = weighted(strategy, java.util.Collections.nCopies(n, 1));
            ByteBuffer owners = ByteBuffer.allocate((int) Ring.SIX_DIGIT_IDS);
            for (long id = Ring.FIRST_SIX_DIGIT_ID; id <= Ring.LAST_SIX_DIGIT_ID; id++) owners.put((byte) ring.lookup(id).ringId());
            sha.update(owners.array());
            for (Node<Void> node : ring.nodes()) {
                if (ring instanceof HashRing<Void> hashRing) {
                    for (long point : hashRing.points(node.name())) sha.update(ByteBuffer.allocate(8).putLong(point).array());
                } else if (ring instanceof SlotRing<Void> slots) {
                    for (int slot : slots.virtualServerSlots(node.name())) sha.update(ByteBuffer.allocate(4).putInt(slot).array());
                }
            }
            if (ring instanceof MaglevTable<Void> table) sha.update(String.join(",", table.ownerNames()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(digest);
    }

    /**
     * Ring ids 1, 2, 3 at weights 3, 1, 1: Maglev's table is 0.6 / 0.2 / 0.2 to the entry and its ids within 1 % of
     * each share; the ring's ids too with 4096 points per unit of weight, while the default 160 points leave them up
     * to 7 % off, the spread of the unweighted ring at 160 points.
     */
    @Test
    void threeToOneToOneOnMaglevAndOnTheRing() throws RingFullException {
        List<Integer> weights = List.of(3, 1, 1);
        MaglevTable<Void> table = (MaglevTable<Void>) weighted(Strategies.MAGLEV, weights);
        assertThat(entries(table)).containsExactly(39321, 13108, 13108);
        assertThat(table.shares().values()).containsExactly(540224L, 180105L, 179671L);
        Ring<Void> fine = weighted(new HashRing.Config(4096), weights);
        assertThat(fine.shares().values()).containsExactly(540300L, 178718L, 180982L);
        assertThat(weighted(Strategies.RING, weights).shares().values()).containsExactly(556202L, 167728L, 176070L);
        double[] expected = expected(weights);
        for (Ring<Void> ring : List.of(table, fine)) {
            double[] shares = shares(ring);
            for (int i = 0; i < 3; i++) {
                assertThat(shares[i]).as(ring.strategy().name() + " share of ring id " + (i + 1)).isCloseTo(expected[i], within(0.01 * expected[i]));
            }
        }
    }

    private static long[] entries(MaglevTable<?> table) {
        long[] held = new long[table.size()];
        for (String owner : table.ownerNames()) held[table.nodes().indexOf(table.node(owner))]++;
        return held;
    }

    /**
     * Maglev's table: every replica's entries are W / ΣW of the table to within N + 1 entries, whatever the weights
     * and ring ids. A replica takes floor(r·W / Wmax) + 1 turns in the first r rounds, so it is never more than one
     * turn from its pace, and the last, partial round shifts each by at most N.
     */
    @Test
    void maglevGivesEachReplicaItsWeightsShareOfTheTable() {
        MaglevTable.Config small = new MaglevTable.Config(5003);
        qt().withExamples(300).forAll(lists().of(integers().between(1, Node.MAX_WEIGHT)).ofSizeBetween(1, 12), integers().between(0, 1000))
                .checkAssert((weights, firstRingId) -> {
                    MaglevTable<Void> table = (MaglevTable<Void>) onRingIdsFrom(small, weights, firstRingId);
                    long[] held = entries(table);
                    double sum = weights.stream().mapToInt(Integer::intValue).sum();
                    for (int i = 0; i < weights.size(); i++) {
                        assertThat((double) held[i]).as("entries of weight " + weights.get(i) + " in " + weights)
                                .isCloseTo(small.tableSize() * weights.get(i) / sum, within(weights.size() + 1.0));
                        assertThat(held[i]).as("every replica holds an entry").isPositive();
                    }
                });
    }

    /**
     * The ring: each replica's share of the six-digit ids is within 10 % of W / ΣW with 4096 points per unit of
     * weight. A share made of k points strays by about 1/√k of itself (1.6 % at k = 4096), so 10 % is six of those.
     */
    @Test
    void theRingGivesEachReplicaItsWeightsShareOfTheIds() {
        HashRing.Config fine = new HashRing.Config(4096);
        qt().withExamples(20).forAll(lists().of(integers().between(1, 8)).ofSizeBetween(2, 6), integers().between(0, 1000))
                .checkAssert((weights, firstRingId) -> {
                    double[] shares = shares(onRingIdsFrom(fine, weights, firstRingId));
                    double[] expected = expected(weights);
                    for (int i = 0; i < weights.size(); i++) {
                        assertThat(shares[i]).as("share of weight " + weights.get(i) + " in " + weights).isCloseTo(expected[i], within(0.1 * expected[i]));
                    }
                });
    }

    /**
     * Maglev's ids follow its table: each share within 0.003 of W / ΣW. The table strays by at most (N + 1) / M, below
     * 0.0002 here; the 900,000 ids sampling the table by at most about 0.0005 (one standard deviation).
     */
    @Test
    void maglevsIdsFollowTheWeights() {
        qt().withExamples(30).forAll(lists().of(integers().between(1, 16)).ofSizeBetween(2, 8), integers().between(0, 1000))
                .checkAssert((weights, firstRingId) -> {
                    double[] shares = shares(onRingIdsFrom(Strategies.MAGLEV, weights, firstRingId));
                    double[] expected = expected(weights);
                    for (int i = 0; i < weights.size(); i++) {
                        assertThat(shares[i]).as("share of weight " + weights.get(i) + " in " + weights).isCloseTo(expected[i], within(0.003));
                    }
                });
    }

    private static Ring<Void> onRingIdsFrom(RingStrategy strategy, List<Integer> weights, int firstRingId) {
        Ring<Void> ring = strategy.empty();
        try {
            for (int i = 0; i < weights.size(); i++) ring = ring.with(new Node<>("server-" + (i + 1), firstRingId + 1 + 7 * i, weights.get(i), null));
        } catch (RingFullException e) {
            throw new AssertionError(e);
        }
        return ring;
    }

    @Test
    void aWeightOnTheRingAddsPointsAndMovesIdsOnlyToItsReplica() throws RingFullException {
        HashRing<Void> even = (HashRing<Void>) weighted(Strategies.RING, List.of(1, 1, 1));
        HashRing<Void> heavier = (HashRing<Void>) weighted(Strategies.RING, List.of(1, 3, 1));
        assertThat(heavier.points("server-2")).hasSize(480).contains(even.points("server-2"));
        assertThat(heavier.points("server-1")).containsExactly(even.points("server-1"));
        for (long id = Ring.FIRST_SIX_DIGIT_ID; id <= Ring.LAST_SIX_DIGIT_ID; id += 7) {
            String was = even.lookup(id).name(), is = heavier.lookup(id).name();
            if (!was.equals(is)) assertThat(is).as("id " + id + " moved").isEqualTo("server-2");
        }
    }

    @Test
    void theSlotMapRefusesAnyWeightButOneAndStaysAsItWas() throws RingFullException {
        Ring<Void> two = Strategies.ring(Strategies.SLOTS, 2);
        for (int weight : new int[] {2, Node.MAX_WEIGHT}) {
            assertThatThrownBy(() -> two.with(new Node<>("heavy", 3, weight, null))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the slots strategy is the assignment's map, which has no weights: 'heavy' has weight " + weight
                            + " (weights apply under the ring and maglev strategies)");
            assertThatThrownBy(() -> two.with(new Node<>("heavy", 3, weight, null), two.placement("server-1")))
                    .hasMessageContaining("has no weights");
        }
        assertThat(two.size()).isEqualTo(2);
        assertThat(two.with(new Node<>("light", 3, 1, null)).size()).isEqualTo(3);
        assertThatThrownBy(() -> Strategies.SLOTS.checkWeight("x", 2)).hasMessageContaining("'x' has weight 2");
        Strategies.RING.checkWeight("x", Node.MAX_WEIGHT);
        Strategies.MAGLEV.checkWeight("x", Node.MAX_WEIGHT);
    }

    @Test
    void aWeightIsAWholeNumberFromOneTo256() {
        for (int bad : new int[] {0, -1, Node.MAX_WEIGHT + 1, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> new Node<>("x", 1, bad, null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a weight is a whole number from 1 to 256, got " + bad);
        }
        assertThat(new Node<>("x", 1, null).weight()).isEqualTo(1);
        assertThat(new Node<>("x", 1, 256, null).weight()).isEqualTo(256);
    }

    @Test
    void theRingCountsWeightedPointsAgainstItsLimit() throws RingFullException {
        Ring<Void> one = new HashRing.Config(1024).<Void>empty().with(new Node<>("a", 1, 200, null));
        assertThatThrownBy(() -> one.with(new Node<>("b", 2, 57, null))).isInstanceOf(RingFullException.class)
                .hasMessage("no room for 'b': 2 replicas of weights summing to 257 x 1024 points exceed 262144 points");
        assertThat(one.with(new Node<>("b", 2, 56, null)).size()).isEqualTo(2);
    }

    @Test
    void aReplacementAndAnAddedReplicaKeepTheirWeight() throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(Strategies.MAGLEV);
        map.add("light", null);
        map.add("heavy", 3, null);
        Map<String, Long> before = map.ring().shares();
        assertThat(map.replace("heavy", "fresh", null).weight()).isEqualTo(3);
        assertThat(map.ring().shares().get("fresh")).isEqualTo(before.get("heavy"));
        map.remove("fresh");
        assertThat(map.add(new Node<>("back", 2, 3, null), Optional.empty()).weight()).isEqualTo(3);
        assertThat(map.ring().shares().get("back")).isEqualTo(before.get("heavy"));
        assertThat(map.ring().node("light").weight()).isEqualTo(1);
    }
}

package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** What every strategy promises: placement by ring id, fallback orders, immutable snapshots, clear refusals. */
class StrategyBehaviourTest {

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> strategies() {
        return Strategies.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void aReplacementOnTheSameRingIdInheritsExactlyItsPredecessorsIds(String name, RingStrategy strategy) throws RingFullException {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(strategy);
        for (int i = 1; i <= 5; i++) map.add("server-" + i, null);
        Ring<Void> before = map.ring();
        assertThat(map.replace("server-2", "fresh", null).ringId()).isEqualTo(2);
        Ring<Void> replaced = map.ring();
        map.remove("fresh");
        map.add("again", null); // the smallest free ring id: 2 again, added last
        Ring<Void> readded = map.ring();
        assertThat(readded.node("again").ringId()).isEqualTo(2);
        for (long id = Ring.FIRST_SIX_DIGIT_ID; id <= Ring.LAST_SIX_DIGIT_ID; id++) {
            String was = before.lookup(id).name();
            assertThat(replaced.lookup(id).name()).isEqualTo(was.equals("server-2") ? "fresh" : was);
            assertThat(readded.lookup(id).name()).isEqualTo(was.equals("server-2") ? "again" : was);
        }
        assertThat(readded.shares().get("again")).isEqualTo(before.shares().get("server-2")).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void noIdMovesBetweenReplicasThatStayExceptUnderMaglev(String name, RingStrategy strategy) throws RingFullException {
        Ring<Void> six = Strategies.ring(strategy, 6);
        Strategies.Moves added = Strategies.Moves.between(six, six.with(new Node<>("server-7", 7, null)));
        Strategies.Moves removed = Strategies.Moves.between(six, six.without("server-4"));
        assertThat(added.moved()).isPositive();
        if (strategy instanceof MaglevTable.Config) {
            assertThat(added.betweenStaying()).isPositive();
            assertThat(removed.moved()).isGreaterThan(six.shares().get("server-4"));
        } else {
            assertThat(removed.moved()).isEqualTo(six.shares().get("server-4"));
            assertThat(added.betweenStaying()).isZero();
            assertThat(removed.betweenStaying()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void theFallbackOrderStartsAtTheOwnerAndVisitsEveryReplicaOnce(String name, RingStrategy strategy) {
        Ring<Void> ring = Strategies.ring(strategy, 5);
        int[] firstSeconds = new int[6];
        for (long id = 100_000; id < 102_000; id++) {
            List<Node<Void>> order = ring.fallbackOrder(id);
            assertThat(order.get(0)).isSameAs(ring.lookup(id));
            assertThat(order).hasSize(5).doesNotHaveDuplicates();
            firstSeconds[order.get(1).ringId()]++;
        }
        if (!strategy.equals(Strategies.SLOTS)) { // the assignment's H reaches too few slots to spread anything
            // a failed replica's ids spread over the others rather than all landing on one
            assertThat(Arrays.stream(firstSeconds, 1, 6)).as("replicas tried second").allMatch(c -> c > 100);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void anEmptySnapshotServesNothing(String name, RingStrategy strategy) throws RingFullException {
        Ring<Void> empty = strategy.empty();
        assertThat(empty.lookup(123_456)).isNull();
        assertThat(empty.fallbackOrder(123_456)).isEmpty();
        assertThat(empty.shares()).isEmpty();
        assertThat(empty.size()).isZero();
        assertThat(empty.strategy()).isEqualTo(strategy);
        Ring<Void> one = empty.with(new Node<>("only", 7, null));
        assertThat(one.lookup(123_456).name()).isEqualTo("only");
        assertThat(one.lookup(Long.MIN_VALUE).name()).isEqualTo("only");
        assertThat(one.lookup(-1).name()).isEqualTo("only");
        assertThat(one.shares()).containsExactly(Map.entry("only", Ring.SIX_DIGIT_IDS));
        assertThat(one.without("only").lookup(123_456)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void snapshotsNeverChangeAndRefuseTakenNamesAndRingIds(String name, RingStrategy strategy) throws RingFullException {
        Ring<Void> three = Strategies.ring(strategy, 3);
        Ring<Void> four = three.with(new Node<>("server-4", 4, null));
        assertThat(three.size()).isEqualTo(3);
        assertThat(four.nodes()).extracting(Node::name).containsExactly("server-1", "server-2", "server-3", "server-4");
        assertThat(four.without("server-1").nodes()).extracting(Node::name).containsExactly("server-2", "server-3", "server-4");
        assertThat(four.size()).isEqualTo(4);
        assertThat(three.without("absent")).isSameAs(three);
        assertThat(three.node("server-2").ringId()).isEqualTo(2);
        assertThat(three.node("absent")).isNull();
        assertThatThrownBy(() -> three.with(new Node<>("server-2", 9, null))).hasMessage("'server-2' is already on the ring");
        assertThatThrownBy(() -> three.with(new Node<>("other", 3, null))).hasMessage("ring id 3 is already taken");
        assertThatThrownBy(() -> three.nodes().add(new Node<>("x", 9, null))).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void lookupsDuringAStreamOfChangesAlwaysFindAMemberOfTheirSnapshot(String name, RingStrategy strategy) throws Exception {
        ConsistentHashMap<Void> map = new ConsistentHashMap<>(strategy);
        for (int i = 1; i <= 3; i++) map.add("server-" + i, null);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(1);
            while (!stop.get()) {
                Ring<Void> ring = map.ring();
                Node<Void> node = ring.lookup(random.nextLong(100_000, 1_000_000));
                if (node == null || !ring.nodes().contains(node)) {
                    failure.set(new AssertionError(node + " not in " + ring.nodes()));
                    return;
                }
            }
        });
        reader.start();
        try {
            for (int change = 0; change < 200; change++) {
                map.add("extra-" + change, null);
                map.remove("extra-" + change);
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertThat(failure.get()).isNull();
    }

    @Test
    void eachStrategyDescribesItsOwnParametersOnly() {
        assertThat(Strategies.SLOTS.describe()).isEqualTo(new RingStrategy.Description("slots", "assignment", OptionalInt.of(512),
                OptionalInt.of(9), OptionalInt.empty(), Optional.of("linear")));
        assertThat(new RingConfig(1024, 4, HashScheme.FNV, Probing.QUADRATIC).describe()).isEqualTo(new RingStrategy.Description("slots", "fnv",
                OptionalInt.of(1024), OptionalInt.of(4), OptionalInt.empty(), Optional.of("quadratic")));
        assertThat(Strategies.RING.describe()).isEqualTo(new RingStrategy.Description("ring", "murmur", OptionalInt.empty(),
                OptionalInt.of(160), OptionalInt.empty(), Optional.empty()));
        assertThat(Strategies.MAGLEV.describe()).isEqualTo(new RingStrategy.Description("maglev", "murmur", OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.of(65537), Optional.empty()));
        assertThat(Strategies.list()).extracting(RingStrategy::name).containsExactly("slots", "slots", "ring", "ring", "maglev");
    }

    @Test
    void badParametersAreRefusedClearly() {
        for (int notPrime : new int[]{65536, 1, 0, -7, 9, 65535}) {
            assertThatThrownBy(() -> new MaglevTable.Config(notPrime)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the Maglev table size must be a prime between 2 and 16777216 (e.g. 65537 or 655373), got " + notPrime);
        }
        assertThat(new MaglevTable.Config(2).tableSize()).isEqualTo(2);
        assertThat(new MaglevTable.Config(16_777_213).tableSize()).isEqualTo(16_777_213);
        assertThatThrownBy(() -> new MaglevTable.Config(16_777_259)).hasMessageContaining("got 16777259");
        assertThatThrownBy(() -> new HashRing.Config(0)).hasMessage("points per replica must be between 1 and 262144, got 0");
        assertThatThrownBy(() -> new HashRing.Config(HashRing.MAX_POINTS + 1)).hasMessageContaining("got 262145");
        assertThat(new HashRing.Config(HashRing.MAX_POINTS).capacity()).isEqualTo(1);
        assertThat(new HashRing.Config(1).capacity()).isEqualTo(HashRing.MAX_POINTS);
        assertThat(Strategies.RING.capacity()).isEqualTo(1638);
        assertThat(Strategies.MAGLEV.capacity()).isEqualTo(65537);
        assertThat(RingStrategy.known("Maglev")).isEqualTo("maglev");
        assertThatThrownBy(() -> RingStrategy.known("random")).hasMessage("unknown strategy 'random'; known: slots, ring, maglev");
    }

    @Test
    void aFullRingOrTableRefusesTheReplicaAndStaysUnchanged() throws RingFullException {
        Ring<Void> table = Strategies.ring(new MaglevTable.Config(3), 3);
        assertThatThrownBy(() -> table.with(new Node<>("fourth", 4, null))).isInstanceOf(RingFullException.class)
                .hasMessage("no room for 'fourth': a Maglev table of 3 entries holds at most 3 replicas");
        assertThat(table.nodes()).hasSize(3);
        Ring<Void> ring = Strategies.ring(new HashRing.Config(HashRing.MAX_POINTS / 2), 2);
        assertThatThrownBy(() -> ring.with(new Node<>("third", 3, null))).isInstanceOf(RingFullException.class)
                .hasMessage("no room for 'third': 3 replicas x 131072 points exceed 262144 points");
    }

    /** The ring's bucketed lookup against the plain definition: the first point at or after the hash, unsigned, wrapping. */
    @Test
    void ringLookupsAreTheFirstPointClockwiseFromTheHash() {
        for (int n : new int[]{1, 2, 3, 7, 50}) {
            HashRing<Void> ring = (HashRing<Void>) Strategies.ring(new HashRing.Config(n == 50 ? 160 : 5), n);
            List<long[]> pointAndRingId = new ArrayList<>();
            for (Node<Void> node : ring.nodes()) {
                long[] points = ring.points(node.name());
                long[] placed = java.util.stream.IntStream.range(0, ring.strategy().pointsPerReplica())
                        .mapToLong(j -> HashRing.point(node.ringId(), j)).toArray();
                assertThat(points).containsExactlyInAnyOrder(placed);
                for (int j = 1; j < points.length; j++) assertThat(Long.compareUnsigned(points[j - 1], points[j])).isNegative();
                for (long point : points) pointAndRingId.add(new long[]{point, node.ringId()});
            }
            pointAndRingId.sort(Comparator.comparing(p -> p[0], Long::compareUnsigned));
            SplittableRandom random = new SplittableRandom(n);
            List<Long> probes = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) probes.add(random.nextLong());
            for (long id : probes) {
                long hash = Mixers.fmix64(id);
                long expected = pointAndRingId.stream().filter(p -> Long.compareUnsigned(p[0], hash) >= 0).findFirst()
                        .orElse(pointAndRingId.get(0))[1];
                assertThat(ring.lookup(id).ringId()).as("id " + id).isEqualTo((int) expected);
            }
        }
    }

    /**
     * Every point of rings of 1 to 8 replicas with 1 to 4 points each: a hash just before a point or on it goes to the
     * point's owner, one just past it to the next point's owner, and past the last point to the first one's.
     */
    @Test
    void ringBoundariesAreInclusiveAtThePointAndWrapPastTheLast() {
        for (int n = 1; n <= 8; n++) {
            for (int v = 1; v <= 4; v++) {
                HashRing<Void> ring = (HashRing<Void>) Strategies.ring(new HashRing.Config(v), n);
                List<Map.Entry<Long, Node<Void>>> points = new ArrayList<>();
                for (Node<Void> node : ring.nodes()) {
                    for (long point : ring.points(node.name())) points.add(Map.entry(point, node));
                }
                points.sort(Map.Entry.comparingByKey(Long::compareUnsigned));
                for (int k = 0; k < points.size(); k++) {
                    long point = points.get(k).getKey();
                    Node<Void> owner = points.get(k).getValue(), next = points.get((k + 1) % points.size()).getValue();
                    // fmix64 is a bijection: the id whose hash is exactly a given value is found by inverting it
                    String where = n + " x " + v + " points, point " + k;
                    assertThat(ring.lookup(Strategies.unfmix64(point - 1))).as(where).isSameAs(owner);
                    assertThat(ring.lookup(Strategies.unfmix64(point))).as(where).isSameAs(owner);
                    assertThat(ring.lookup(Strategies.unfmix64(point + 1))).as(where).isSameAs(next);
                }
                Node<Void> ownerOfFirst = points.get(0).getValue();
                assertThat(ring.lookup(Strategies.unfmix64(-1L))).isSameAs(ownerOfFirst);
                assertThat(ring.lookup(Strategies.unfmix64(0L))).isSameAs(ownerOfFirst);
            }
        }
    }

    /** The table from the paper's pseudo-code, written out plainly: replicas take turns in ring-id order. */
    @Test
    void maglevTablesAreThePapersPopulation() {
        for (int m : new int[]{7, 251, 65537}) {
            for (int n : new int[]{1, 3, 7}) {
                MaglevTable<Void> table = (MaglevTable<Void>) Strategies.ring(new MaglevTable.Config(m), n);
                String[] expected = new String[m];
                int[] next = new int[n + 1];
                int filled = 0;
                while (filled < m) {
                    for (int i = 1; i <= n && filled < m; i++) {
                        int c;
                        do {
                            c = (int) ((MaglevTable.offset(i, m) + (long) next[i] * MaglevTable.skip(i, m)) % m);
                            next[i]++;
                        } while (expected[c] != null);
                        expected[c] = "server-" + i;
                        filled++;
                    }
                }
                assertThat(table.ownerNames()).as("M = " + m + ", N = " + n).containsExactly(expected);
            }
        }
        assertThat(MaglevTable.offset(1, 65537)).isBetween(0, 65536);
        for (int id = 1; id < 200; id++) assertThat(MaglevTable.skip(id, 7)).isBetween(1, 6);
    }

    @Test
    void maglevTurnsFollowRingIdsNotTheOrderOfAddition() throws RingFullException {
        MaglevTable<Void> forward = (MaglevTable<Void>) Strategies.ring(Strategies.MAGLEV, 3);
        Ring<Void> backward = Strategies.MAGLEV.empty();
        for (int i = 3; i >= 1; i--) backward = backward.with(new Node<>("server-" + i, i, null));
        assertThat(((MaglevTable<Void>) backward).ownerNames()).containsExactly(forward.ownerNames());
    }

    /**
     * Maglev's retry order on a table small enough to lay out: the owners of the entries met walking forward from the
     * request's entry, wrapping. 7 entries, replicas on ring ids 1, 2, 3:
     * <pre>
     * entry   0  1  2  3  4  5  6
     *         2  1  1  2  3  3  1
     * </pre>
     */
    @ParameterizedTest(name = "entry {0}: {1}")
    @CsvSource({"0, 213", "1, 123", "2, 123", "3, 231", "4, 312", "5, 312", "6, 123"})
    void maglevRetriesTheOwnersOfTheNextEntriesForwardWrappingAround(int entry, String expected) {
        MaglevTable<Void> table = (MaglevTable<Void>) Strategies.ring(new MaglevTable.Config(7), 3);
        assertThat(table.ownerNames()).containsExactly("server-2", "server-1", "server-1", "server-2", "server-3", "server-3", "server-1");
        long id = LongStream.iterate(Ring.FIRST_SIX_DIGIT_ID, i -> i + 1).filter(i -> table.entryOf(i) == entry).findFirst().orElseThrow();
        assertThat(table.fallbackOrder(id)).extracting(Node::ringId)
                .containsExactlyElementsOf(expected.chars().mapToObj(c -> c - '0').toList());
    }

    @Test
    void maglevEntriesSpreadTheIdsEvenly() {
        MaglevTable<Void> table = (MaglevTable<Void>) Strategies.ring(new MaglevTable.Config(5), 5);
        int[] perEntry = new int[5];
        for (long id = Ring.FIRST_SIX_DIGIT_ID; id <= Ring.LAST_SIX_DIGIT_ID; id++) perEntry[table.entryOf(id)]++;
        assertThat(Arrays.stream(perEntry).boxed().toList()).allMatch(c -> Math.abs(c - 180_000) < 1_500);
        assertThat(table.entryOf(Long.MIN_VALUE)).isBetween(0, 4);
    }
}

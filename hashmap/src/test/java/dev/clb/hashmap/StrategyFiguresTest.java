package dev.clb.hashmap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.Strategies.Moves;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Exact figures of each strategy's model over all six-digit request ids: shares, and what moves on a change. */
class StrategyFiguresTest {

    private static List<Long> counts(Map<String, Long> shares) {
        return List.copyOf(shares.values());
    }

    /** How many of the table's entries each replica holds, in node order. */
    private static Map<String, Integer> entriesPerNode(MaglevTable<?> table) {
        Map<String, Integer> held = new LinkedHashMap<>();
        table.nodes().forEach(n -> held.put(n.name(), 0));
        for (String owner : table.ownerNames()) {
            if (owner != null) held.merge(owner, 1, Integer::sum);
        }
        return held;
    }

    private static double maxOverMean(Map<String, ? extends Number> counts) {
        double max = counts.values().stream().mapToDouble(Number::doubleValue).max().orElseThrow();
        double mean = counts.values().stream().mapToDouble(Number::doubleValue).sum() / counts.size();
        return max / mean;
    }

    @ParameterizedTest(name = "{0} N = {1}")
    @CsvSource(delimiter = ';', value = {
            "slots/murmur; 3; 261962/170738/467300",
            "ring;         3; 347406/274606/277988",
            "ring;         6; 161290/157913/151112/151752/136357/141576",
            "ring 1024;    3; 292661/306090/301249",
            "maglev;       3; 299555/300380/300065",
            "maglev;       6; 149622/149914/149703/149505/150883/150373",
            "maglev 251;   3; 301636/301127/297237"})
    void sharesOfAllSixDigitIds(String strategy, int n, String expected) {
        Ring<Void> ring = Strategies.ring(strategy(strategy), n);
        assertThat(counts(ring.shares())).containsExactlyElementsOf(Arrays.stream(expected.split("/")).map(Long::valueOf).toList());
        assertThat(ring.shares().keySet()).containsExactlyElementsOf(ring.nodes().stream().map(Node::name).toList());
        assertThat(ring.shares()).as("computed once per snapshot").isSameAs(ring.shares());
    }

    private static RingStrategy strategy(String name) {
        return switch (name) {
            case "slots/murmur" -> Strategies.SLOTS_MURMUR;
            case "ring" -> Strategies.RING;
            case "ring 1024" -> Strategies.RING_1024;
            case "maglev" -> Strategies.MAGLEV;
            case "maglev 251" -> new MaglevTable.Config(251);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Test
    void maglevGivesEveryReplicaFloorOrCeilOfMOverNEntriesForNUpTo50() {
        MaglevTable<Void> table = (MaglevTable<Void>) Strategies.ring(Strategies.MAGLEV, 1);
        for (int n = 2; n <= 50; n++) {
            try {
                table = table.with(new Node<>("server-" + n, n, null));
            } catch (RingFullException e) {
                throw new AssertionError(e);
            }
            Map<String, Integer> entries = entriesPerNode(table);
            int floor = MaglevTable.DEFAULT_TABLE_SIZE / n;
            assertThat(entries.values()).as("N = " + n).allMatch(e -> e == floor || e == floor + 1);
            assertThat(entries.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(MaglevTable.DEFAULT_TABLE_SIZE);
            assertThat(maxOverMean(entries)).as("N = " + n).isLessThanOrEqualTo(1.001);
        }
        assertThat(entriesPerNode((MaglevTable<Void>) Strategies.ring(Strategies.MAGLEV, 4)).values()).containsExactly(16385, 16384, 16384, 16384);
    }

    @Test
    void theSplitOfEachStrategyAtN3And6And50() {
        // max/mean of the six-digit ids each replica serves; printed for the report, bounded where the issue sets a target
        for (RingStrategy s : Strategies.list()) {
            StringBuilder line = new StringBuilder("MODEL " + s.describe().strategy() + "/" + s.describe().hash() + " " + s.describe().vnodes());
            for (int n : new int[]{3, 6, 50}) {
                if (n > s.capacity()) continue;
                line.append(String.format(" N=%d %.4f", n, maxOverMean(Strategies.ring(s, n).shares())));
            }
            System.out.println(line);
        }
        assertThat(maxOverMean(Strategies.ring(Strategies.RING_1024, 3).shares())).isLessThanOrEqualTo(1.05);
        assertThat(maxOverMean(Strategies.ring(Strategies.MAGLEV, 3).shares())).isLessThan(1.002);
        assertThat(maxOverMean(Strategies.ring(Strategies.RING, 3).shares())).isGreaterThan(1.15);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            // strategy; add server-5 to 4: moved, between staying; remove server-2 of 4: moved, between staying
            "slots;        42188;  0;   42187;  0",
            "slots/murmur; 277273; 0;   115953; 0",
            "ring;         172239; 0;   212712; 0",
            "ring 1024;    170815; 0;   226748; 0",
            "maglev;       181376; 541; 225817; 391"})
    void whatMovesWhenAFifthReplicaJoinsOrTheSecondLeaves(String name, long addMoved, long addStray, long removeMoved, long removeStray) throws RingFullException {
        RingStrategy strategy = name.equals("slots") ? Strategies.SLOTS : strategy(name);
        Ring<Void> four = Strategies.ring(strategy, 4);
        assertThat(Moves.between(four, four.with(new Node<>("server-5", 5, null)))).isEqualTo(new Moves(addMoved, addStray));
        assertThat(Moves.between(four, four.without("server-2"))).isEqualTo(new Moves(removeMoved, removeStray));
    }

    @Test
    void maglevMovesAtMost5PercentMoreThanIdealAndHalfAPercentBetweenStayingReplicasForNUpTo10() throws RingFullException {
        for (int n = 2; n <= 10; n++) {
            Ring<Void> ring = Strategies.ring(Strategies.MAGLEV, n);
            Moves added = Moves.between(ring, ring.with(new Node<>("server-" + (n + 1), n + 1, null)));
            Moves removed = Moves.between(ring, ring.without("server-" + (1 + n / 2)));
            System.out.printf("MAGLEV N=%d add moved %.4f (ideal %.4f, %.3f%% between staying); remove moved %.4f (ideal %.4f, %.3f%%)%n", n,
                    added.movedFraction(), 1.0 / (n + 1), 100.0 * added.betweenStaying() / Ring.SIX_DIGIT_IDS,
                    removed.movedFraction(), 1.0 / n, 100.0 * removed.betweenStaying() / Ring.SIX_DIGIT_IDS);
            // the ideal is the joining replica's share of ids, or the leaving one's
            double ideallyAdded = ring.with(new Node<>("x", n + 1, null)).shares().get("x") / (double) Ring.SIX_DIGIT_IDS;
            assertThat(added.movedFraction()).as("add to N = " + n).isLessThanOrEqualTo(1.05 / (n + 1)).isGreaterThanOrEqualTo(ideallyAdded);
            assertThat(removed.movedFraction()).as("remove from N = " + n).isLessThanOrEqualTo(1.05 / n);
            assertThat(added.betweenStaying()).isLessThanOrEqualTo(Ring.SIX_DIGIT_IDS / 200).isPositive();
            assertThat(removed.betweenStaying()).isLessThanOrEqualTo(Ring.SIX_DIGIT_IDS / 200);
        }
    }

    @Test
    void moreRingPointsSpreadMoreEvenly() {
        double coarse = maxOverMean(Strategies.ring(new HashRing.Config(16), 6).shares());
        double fine = maxOverMean(Strategies.ring(Strategies.RING_1024, 6).shares());
        assertThat(fine).isLessThan(1.05).isLessThan(coarse);
    }
}

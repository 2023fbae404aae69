package dev.clb.analyzer.output;

import static dev.clb.analyzer.output.ReportText.pct;

import dev.clb.analyzer.stats.ExpectedSplit;
import dev.clb.analyzer.stats.RingAnalysis;
import dev.clb.analyzer.stats.RingAnalysis.Arc;
import dev.clb.analyzer.stats.RingAnalysis.ReplicaShare;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.Probing;
import dev.clb.hashmap.RingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The "why" of a split, written from {@link RingAnalysis}: every number in it is computed from the hash map API over
 * all 6-digit ids, so the text stays true to the hash map it describes.
 */
public final class SkewExplanation {
    private SkewExplanation() {
    }

    /** where H sends the ids, where Φ puts the virtual servers, and which arc decides the split. */
    public static void forRing(Markdown md, RingAnalysis ring) {
        long total = ring.totalIds();
        if (ring.hash().equals(HashScheme.ASSIGNMENT.name())) {
            md.paragraph(String.format(Locale.ROOT, """
                    The assignment's request hash H(i) = i² + 2i + 17 = (i + 1)² + 16 (mod 512) reaches only **%d of the %d slots**
                    for the 900,000 six-digit ids, because squares modulo 512 take few values, and it does not reach them equally:
                    %s. Its virtual-server hash Φ(i, j) = i² + j² + 2j + 25 = i² + (j + 1)² + 24 puts the %d virtual servers of
                    ring ids 1..%d in slots %d–%d only: %s.""",
                    ring.reachable().size(), ring.slots(), busiestSlots(ring), ring.replicas().size() * ring.replicas().get(0).virtualServerSlots().length,
                    ring.replicas().size(), ring.virtualServerSpan()[0], ring.virtualServerSpan()[1],
                    fraction(ring.virtualServerSpan()[1] - ring.virtualServerSpan()[0] + 1, ring.slots())));
        } else {
            md.paragraph(String.format(Locale.ROOT, "Hash %s reaches %d of the %d slots for the six-digit ids; its %d virtual servers span slots %d–%d.",
                    ring.hash(), ring.reachable().size(), ring.slots(), ring.replicas().size() * ring.replicas().get(0).virtualServerSlots().length,
                    ring.virtualServerSpan()[0], ring.virtualServerSpan()[1]));
        }
        List<List<String>> rows = new ArrayList<>();
        for (ReplicaShare r : ring.replicas()) {
            rows.add(List.of(r.name(), String.valueOf(r.ringId()), Arrays.stream(r.virtualServerSlots()).mapToObj(String::valueOf)
                            .collect(Collectors.joining(", ")), r.reachableSlots() + " of " + ring.reachable().size(),
                    pct((double) r.ids() / total), perTenThousand(r.ids(), total)));
        }
        md.table(List.of("replica", "ring id", "its virtual servers' slots", "reachable slots it serves", "share of all 6-digit ids",
                "per 10,000"), rows);
        Arc widest = ring.arcs().get(0);
        Arc next = ring.arcs().get(1);
        md.paragraph(String.format(Locale.ROOT, """
                A request is served by the first virtual server clockwise from its slot. The arc from slot %d round to slot %d%s
                holds %d of the %d reachable slots and %s of all ids, and ends at the virtual server in slot %d, which is %s's:
                that one arc decides the split. The next-largest arc (slots %d–%d, served by %s) holds only %s.
                %s""",
                widest.fromSlot(), widest.toSlot(), widest.fromSlot() > widest.toSlot() ? " (wrapping past slot " + (ring.slots() - 1) + ")" : "",
                widest.reachableSlots(), ring.reachable().size(), pct((double) widest.ids() / total), widest.toSlot(), widest.owner(),
                next.fromSlot(), next.toSlot(), next.owner(), pct((double) next.ids() / total),
                ring.hash().equals(HashScheme.ASSIGNMENT.name())
                        ? "So the skew is built into the functions (Φ crowds every virtual server into one stretch, H hits few slots); "
                        + "it is not chance, and the measured counts follow it to within sampling error."
                        : ""));
    }

    /** as N grows, who owns the widest arc and how much it holds. */
    public static void forScaling(Markdown md, HashScheme hash, int from, int to) {
        List<List<String>> rows = new ArrayList<>();
        for (int n = from; n <= to; n++) {
            RingAnalysis ring = RingAnalysis.of(hash, n);
            Arc widest = ring.arcs().get(0);
            ReplicaShare newest = ring.replicas().get(n - 1);
            rows.add(List.of(String.valueOf(n), ring.virtualServerSpan()[0] + "–" + ring.virtualServerSpan()[1],
                    newest.name() + ": " + Arrays.stream(newest.virtualServerSlots()).min().orElse(0) + "–"
                            + Arrays.stream(newest.virtualServerSlots()).max().orElse(0),
                    widest.fromSlot() + "→" + widest.toSlot() + " (" + widest.owner() + ")", pct((double) widest.ids() / ring.totalIds()),
                    pct((double) ring.replicas().get(0).ids() / ring.totalIds())));
        }
        md.table(List.of("N", "virtual servers in slots", "newest replica's virtual servers", "widest arc (served by)", "its share of ids",
                "server-1's total share"), rows);
    }

    /** how much of the ring each hash reaches, and what more virtual servers would do (computed, not measured). */
    public static void forHashes(Markdown md, int n) {
        List<List<String>> rows = new ArrayList<>();
        for (HashScheme hash : HashScheme.ALL) {
            RingAnalysis ring = RingAnalysis.of(hash, n);
            Arc widest = ring.arcs().get(0);
            double[] shares = ExpectedSplit.shares(hash, n);
            rows.add(List.of(hash.name(), ring.reachable().size() + " of " + ring.slots(), ring.virtualServerSpan()[0] + "–" + ring.virtualServerSpan()[1],
                    pct((double) widest.ids() / ring.totalIds()) + " (" + widest.owner() + ")", splitText(shares)));
        }
        md.table(List.of("hash", "slots H reaches", "virtual servers span slots", "widest arc's share", "expected split at N = " + n), rows);
        md.paragraph("""
                What a well-mixed hash cannot fix is the length of the arcs themselves: with K = 9 virtual servers per replica, the gaps
                between neighbouring virtual servers are random, and a replica's share is the sum of just nine of them, so shares still
                differ by tens of percent. More virtual servers average that out; the load balancer takes them as `--slots M --vnodes K`.
                The spread (standard deviation / mean of the shares) the hash map computes for murmur:""");
        List<List<String>> more = new ArrayList<>();
        for (int[] shape : new int[][]{{512, 9}, {4096, 64}, {8192, 256}}) {
            RingConfig config = new RingConfig(shape[0], shape[1], HashScheme.MURMUR, Probing.LINEAR);
            more.add(List.of("`--hash murmur --slots " + shape[0] + " --vnodes " + shape[1] + "`",
                    pct(relativeSd(ExpectedSplit.shares(config, 3))), pct(relativeSd(ExpectedSplit.shares(config, 6)))));
        }
        md.table(List.of("ring", "spread at N = 3", "spread at N = 6"), more);
    }

    private static double relativeSd(double[] shares) {
        double mean = 1.0 / shares.length;
        double variance = Arrays.stream(shares).map(s -> (s - mean) * (s - mean)).sum() / shares.length;
        return Math.sqrt(variance) / mean;
    }

    private static String busiestSlots(RingAnalysis ring) {
        return ring.reachable().entrySet().stream().sorted(Map.Entry.<Integer, Long>comparingByValue().reversed()).limit(3)
                .map(e -> "slot " + e.getKey() + " gets " + pct((double) e.getValue() / ring.totalIds()))
                .collect(Collectors.joining(", ")) + " of all ids, while most reachable slots get " + pct(typicalShare(ring));
    }

    private static double typicalShare(RingAnalysis ring) {
        Map<Long, Long> frequency = ring.reachable().values().stream().collect(Collectors.groupingBy(v -> v, Collectors.counting()));
        long mostCommon = frequency.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(0L);
        return (double) mostCommon / ring.totalIds();
    }

    private static String splitText(double[] shares) {
        return Arrays.stream(shares).mapToObj(s -> String.format(Locale.ROOT, "%.1f%%", 100 * s)).collect(Collectors.joining(" / "));
    }

    private static String fraction(int part, int whole) {
        return String.format(Locale.ROOT, "%d of the %d slots, %.0f%% of the ring", part, whole, 100.0 * part / whole);
    }

    private static String perTenThousand(long ids, long total) {
        return String.valueOf((long) Math.rint(10_000.0 * ids / total)); // half to even, as SPEC §3 rounds
    }
}

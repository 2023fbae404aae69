package dev.clb.analyzer.stats;

import dev.clb.analyzer.traffic.Outcome;
import java.util.List;

/** Latency percentiles of the answered requests, in milliseconds, by nearest rank. */
public record Latencies(double p50, double p99, double max) {

    public static Latencies of(List<Outcome> outcomes) {
        double[] ms = outcomes.stream().filter(Outcome::ok).mapToDouble(o -> (o.doneNanos() - o.sentNanos()) / 1e6).sorted().toArray();
        if (ms.length == 0) return new Latencies(0, 0, 0);
        return new Latencies(percentile(ms, 50), percentile(ms, 99), ms[ms.length - 1]);
    }

    /** The smallest value with at least {@code p} percent of the values at or below it; {@code sorted} ascending. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    @Override
    public String toString() {
        return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms", p50, p99, max);
    }
}

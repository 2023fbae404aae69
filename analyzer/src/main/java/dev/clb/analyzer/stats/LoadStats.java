package dev.clb.analyzer.stats;

import java.util.Collection;

/** Load per replica across the replicas of one run: mean, extremes and (population) standard deviation. */
public record LoadStats(double mean, long min, long max, double sd) {

    public static LoadStats of(Collection<Long> counts) {
        if (counts.isEmpty()) return new LoadStats(0, 0, 0, 0);
        double mean = counts.stream().mapToLong(Long::longValue).average().orElse(0);
        double variance = counts.stream().mapToDouble(c -> (c - mean) * (c - mean)).sum() / counts.size();
        long min = counts.stream().mapToLong(Long::longValue).min().orElse(0);
        long max = counts.stream().mapToLong(Long::longValue).max().orElse(0);
        return new LoadStats(mean, min, max, Math.sqrt(variance));
    }

    /** Standard deviation relative to the mean (coefficient of variation); 0 for a perfectly even split. */
    public double relativeSd() {
        return mean == 0 ? 0 : sd / mean;
    }
}

package dev.clb.analyzer.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether measured counts agree with expected shares within sampling error: each replica's count is binomial
 * (total, share), and must lie within {@link #SIGMAS} standard deviations of total·share. With N replicas a false
 * alarm happens with probability below N·6e-5.
 *
 * @param z z-score of each replica, in the order of the shares; 0 where the share is 0 and nothing came
 */
public record SplitCheck(List<Double> z, double maxAbsZ, boolean passed) {
    public static final double SIGMAS = 4.0;

    public static SplitCheck of(long[] counts, double[] shares) {
        if (counts.length != shares.length) throw new IllegalArgumentException(counts.length + " counts for " + shares.length + " shares");
        long total = 0;
        for (long c : counts) total += c;
        List<Double> z = new ArrayList<>();
        double maxAbs = 0;
        for (int i = 0; i < counts.length; i++) {
            double expected = total * shares[i];
            double sd = Math.sqrt(total * shares[i] * (1 - shares[i]));
            double zi = sd == 0 ? (counts[i] == Math.round(expected) ? 0 : Double.MAX_VALUE) : (counts[i] - expected) / sd;
            z.add(zi);
            maxAbs = Math.max(maxAbs, Math.abs(zi));
        }
        return new SplitCheck(List.copyOf(z), maxAbs, maxAbs <= SIGMAS);
    }
}

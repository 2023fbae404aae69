package dev.clb.analyzer.experiments;

import dev.clb.analyzer.stats.ExpectedSplit;
import dev.clb.analyzer.stats.LoadStats;
import dev.clb.analyzer.stats.SplitCheck;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.Ring;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One measured run of requests to {@code /home}, and what the hash map says about it.
 *
 * @param replicas         what {@code /rep} listed before the run, in order (ring ids 1..N)
 * @param counts           requests each replica answered: the listed ones first, then any other that answered
 * @param expected         the listed replicas' expected requests: their share of all 6-digit ids times the answered requests
 * @param predicted        requests the hash map sends to each listed replica for exactly the ids sent
 * @param routingAgreement fraction of answered requests that the replica the hash map predicts answered
 * @param check            counts against expected, within sampling error
 * @param stats            spread of the listed replicas' counts
 * @param typicalError     the most common failure, null when none failed
 */
public record RunResult(String label, String hash, int n, List<String> replicas, int requests, int ok, int failed,
                        double seconds, double perSecond, Map<String, Long> counts, Map<String, Double> expected,
                        Map<String, Long> predicted, double routingAgreement, SplitCheck check, LoadStats stats,
                        String typicalError) {

    public static RunResult of(String label, HashScheme hash, List<String> replicas, TrafficResult traffic) {
        Map<String, Long> counts = traffic.countsByServer(replicas);
        double[] shares = ExpectedSplit.shares(hash, replicas.size());
        long[] listedCounts = replicas.stream().mapToLong(counts::get).toArray();
        Map<String, Double> expected = new LinkedHashMap<>();
        Map<String, Long> predicted = new LinkedHashMap<>();
        for (int i = 0; i < replicas.size(); i++) {
            expected.put(replicas.get(i), shares[i] * traffic.ok());
            predicted.put(replicas.get(i), 0L);
        }
        Ring<String> ring = ExpectedSplit.ring(hash, replicas);
        long agreeing = 0;
        for (Outcome o : traffic.outcomes()) {
            String owner = ring.lookup(o.requestId()).name();
            if (o.ok()) predicted.merge(owner, 1L, Long::sum);
            if (o.ok() && owner.equals(o.server())) agreeing++;
        }
        return new RunResult(label, hash.name(), replicas.size(), List.copyOf(replicas), traffic.outcomes().size(), traffic.ok(),
                traffic.failed(), traffic.seconds(), traffic.perSecond(), counts, expected, predicted,
                traffic.ok() == 0 ? 0 : (double) agreeing / traffic.ok(), SplitCheck.of(listedCounts, shares),
                LoadStats.of(replicas.stream().map(counts::get).toList()), traffic.typicalError());
    }

    /** No request failed and the split is the hash map's within sampling error. */
    public boolean passed() {
        return failed == 0 && check.passed();
    }

    /** One console line: throughput and the split. */
    public String line() {
        StringBuilder split = new StringBuilder();
        counts.forEach((name, count) -> split.append(split.length() == 0 ? "" : " / ").append(name).append(' ').append(count));
        return String.format("  %-28s %6d ok, %d failed in %.2f s (%.0f req/s): %s; split %s (max |z| %.1f)%s", label, ok, failed, seconds,
                perSecond, split, check.passed() ? "as the hash map predicts" : "NOT as the hash map predicts", check.maxAbsZ(),
                typicalError == null ? "" : "; e.g. " + typicalError);
    }
}

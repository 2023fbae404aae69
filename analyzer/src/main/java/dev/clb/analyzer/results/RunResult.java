package dev.clb.analyzer.results;

import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.stats.ExpectedSplit;
import dev.clb.analyzer.stats.LoadStats;
import dev.clb.analyzer.stats.SplitCheck;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.hashmap.Ring;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One measured run of requests, and what the load balancer's model ({@code /ring}) says about it.
 *
 * @param setup            the setup's name ({@code maglev-bounded})
 * @param placement        the placement as {@code /ring} describes it
 * @param replicas         what {@code /ring} listed before the run, in {@code /rep} order
 * @param ringIds          their ring ids, as {@code /ring} gave them
 * @param counts           requests each replica answered: the listed ones first, then any other that answered
 * @param expected         the listed replicas' expected requests: their share of all 6-digit ids ({@code /ring}) times the answered requests
 * @param predicted        requests the placement, rebuilt from the hash map with /ring's ring ids, sends to each listed
 *                         replica for exactly the ids sent; empty when it cannot be rebuilt ({@code ExpectedSplit.model})
 * @param routingAgreement fraction of answered requests that the replica the placement picks answered; null without a
 *                         prediction; below 1 with bounded loads, which send requests elsewhere when that one is full
 * @param modelMaxOverMean the largest share over the mean share, by the model
 * @param check            counts against expected, within sampling error
 * @param stats            spread of the listed replicas' counts
 * @param typicalError     the most common failure, null when none failed
 * @param replacedDuring   replicas that replaced a listed one during the run (new name to old), by {@code /ring} after it:
 *                         their answers count under the ring id they inherited, i.e. under the old name
 */
public record RunResult(String label, String setup, String placement, String hash, int n, List<String> replicas, Map<String, Integer> ringIds,
                        int requests, int ok, int failed, double seconds, double perSecond, Map<String, Long> counts,
                        Map<String, Double> expected, Map<String, Long> predicted, Double routingAgreement, double modelMaxOverMean,
                        SplitCheck check, LoadStats stats, String typicalError, Map<String, String> replacedDuring) {

    public static RunResult of(String label, String setup, RingView ring, TrafficResult traffic) {
        return of(label, setup, ring, traffic, Map.of());
    }

    /** As above, with the answers of replicas that replaced listed ones during the run already counted under the old names. */
    public static RunResult of(String label, String setup, RingView ring, TrafficResult traffic, Map<String, String> replacedDuring) {
        List<String> replicas = ring.hostnames();
        Map<String, Long> counts = traffic.countsByServer(replicas);
        double[] shares = ring.shares();
        long[] listedCounts = replicas.stream().mapToLong(counts::get).toArray();
        Map<String, Double> expected = new LinkedHashMap<>();
        double maxShare = 0;
        for (int i = 0; i < replicas.size(); i++) {
            expected.put(replicas.get(i), shares[i] * traffic.ok());
            maxShare = Math.max(maxShare, shares[i]);
        }
        Map<String, Long> predicted = new LinkedHashMap<>();
        Double agreement = null;
        Optional<Ring<String>> model = ExpectedSplit.model(ring);
        if (model.isPresent()) {
            replicas.forEach(name -> predicted.put(name, 0L));
            long agreeing = 0;
            for (Outcome o : traffic.outcomes()) {
                String owner = model.get().lookup(o.requestId()).name();
                if (o.ok()) predicted.merge(owner, 1L, Long::sum);
                if (o.ok() && owner.equals(o.server())) agreeing++;
            }
            agreement = traffic.ok() == 0 ? 0 : (double) agreeing / traffic.ok();
        }
        return new RunResult(label, setup, ring.describe(), ring.hash(), replicas.size(), replicas, ring.ringIds(), traffic.outcomes().size(),
                traffic.ok(), traffic.failed(), traffic.seconds(), traffic.perSecond(), counts, expected, predicted, agreement,
                maxShare * replicas.size(), SplitCheck.of(listedCounts, shares), LoadStats.of(replicas.stream().map(counts::get).toList()),
                traffic.typicalError(), Map.copyOf(replacedDuring));
    }

    /** No request failed and the split is the model's within sampling error. */
    public boolean passed() {
        return failed == 0 && check.passed();
    }

    /** The busiest replica's requests over the mean, as measured. */
    public double maxOverMean() {
        return stats.mean() == 0 ? 0 : stats.max() / stats.mean();
    }

    /** One console line: throughput and the split. */
    public String line() {
        StringBuilder split = new StringBuilder();
        counts.forEach((name, count) -> split.append(split.length() == 0 ? "" : " / ").append(name).append(' ').append(count));
        return String.format("  %-28s %6d ok, %d failed in %.2f s (%.0f req/s): %s; split %s (max |z| %.1f)%s%s", label, ok, failed, seconds,
                perSecond, split, check.passed() ? "as the model predicts" : "NOT as the model predicts", check.maxAbsZ(),
                typicalError == null ? "" : "; e.g. " + typicalError,
                replacedDuring.isEmpty() ? "" : "; replaced during the run (counted under the ring id they inherited): " + replacedDuring);
    }
}

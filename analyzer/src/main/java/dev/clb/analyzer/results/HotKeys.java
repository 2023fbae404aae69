package dev.clb.analyzer.results;

import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.settings.Setup;
import dev.clb.analyzer.stats.Concurrency;
import dev.clb.analyzer.stats.Latencies;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.analyzer.traffic.Zipf;
import java.util.Map;

/**
 * A-6 for one setup under Zipf traffic.
 *
 * @param hottestKeyShare the most popular key's share of the requests, by the distribution
 * @param boundShare      with bounded loads, the most of all requests in flight one replica may hold: ceil(c (C + 1) / N) / C
 *                        for C in flight; 0 without
 */
public record HotKeys(String setup, String label, String placement, int n, int concurrency, int requests, int ok, int failed,
                      double seconds, double perSecond, double hottestKeyShare, double boundShare, Map<String, Long> completed,
                      Map<String, Double> meanInFlight, Map<String, Integer> peakInFlight, double busiestCompletedShare,
                      double busiestInFlightShare, Latencies latencies, String typicalError) {

    public static HotKeys of(Setup setup, RingView ring, int concurrency, Zipf zipf, TrafficResult traffic) {
        Concurrency load = Concurrency.of(traffic.outcomes(), traffic.durationNanos());
        int n = ring.replicas().size();
        double bound = setup.isBounded() ? Math.ceil(setup.boundedLoad() * (concurrency + 1) / n) / concurrency : 0;
        return new HotKeys(setup.name(), setup.label(), ring.describe(), n, concurrency, traffic.outcomes().size(), traffic.ok(),
                traffic.failed(), traffic.seconds(), traffic.perSecond(), zipf.probability(1), bound, load.completed(), load.meanInFlight(),
                load.peakInFlight(), load.busiestCompletedShare(), load.busiestInFlightShare(), Latencies.of(traffic.outcomes()),
                traffic.typicalError());
    }
}

package dev.clb.analyzer.stats;

import dev.clb.analyzer.traffic.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Load per replica as the client sees it from the answers: requests completed, and requests in flight. The time-averaged
 * number in flight at a replica is the sum of its requests' latencies over the run's duration (Little's law), so its
 * share of all in flight is its share of the summed latencies; the peak comes from a sweep over send and answer times.
 *
 * @param completed     requests each replica answered
 * @param meanInFlight  requests in flight at each replica, averaged over the run
 * @param peakInFlight  the most requests in flight at each replica at any moment
 */
public record Concurrency(Map<String, Long> completed, Map<String, Double> meanInFlight, Map<String, Integer> peakInFlight) {

    public static Concurrency of(List<Outcome> outcomes, long durationNanos) {
        Map<String, Long> completed = new LinkedHashMap<>();
        Map<String, Double> latencySum = new LinkedHashMap<>();
        Map<String, List<long[]>> events = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            if (!o.ok()) continue;
            completed.merge(o.server(), 1L, Long::sum);
            latencySum.merge(o.server(), (double) (o.doneNanos() - o.sentNanos()), Double::sum);
            List<long[]> at = events.computeIfAbsent(o.server(), s -> new ArrayList<>());
            at.add(new long[]{o.sentNanos(), +1});
            at.add(new long[]{o.doneNanos(), -1});
        }
        Map<String, Double> mean = new LinkedHashMap<>();
        latencySum.forEach((server, sum) -> mean.put(server, durationNanos == 0 ? 0 : sum / durationNanos));
        Map<String, Integer> peak = new LinkedHashMap<>();
        events.forEach((server, list) -> peak.put(server, peak(list)));
        return new Concurrency(completed, mean, peak);
    }

    /** The most overlapping intervals; an answer at the very moment of a send counts first. */
    private static int peak(List<long[]> events) {
        long[][] sorted = events.toArray(long[][]::new);
        Arrays.sort(sorted, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0, most = 0;
        for (long[] e : sorted) {
            now += (int) e[1];
            most = Math.max(most, now);
        }
        return most;
    }

    /** The busiest replica by requests completed: its share of all completed. */
    public double busiestCompletedShare() {
        long total = completed.values().stream().mapToLong(Long::longValue).sum();
        return total == 0 ? 0 : (double) completed.values().stream().mapToLong(Long::longValue).max().orElse(0) / total;
    }

    /** The busiest replica by requests in flight: its share of everything in flight, averaged over the run. */
    public double busiestInFlightShare() {
        double total = meanInFlight.values().stream().mapToDouble(Double::doubleValue).sum();
        return total == 0 ? 0 : meanInFlight.values().stream().mapToDouble(Double::doubleValue).max().orElse(0) / total;
    }

    /** The highest peak in flight at any one replica. */
    public int busiestPeakInFlight() {
        return peakInFlight.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }
}

package dev.clb.analyzer.traffic;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** All outcomes of one run, in the order the requests were sent, and how long the run took. */
public record TrafficResult(List<Outcome> outcomes, long durationNanos) {
    public TrafficResult {
        outcomes = List.copyOf(outcomes);
    }

    public int ok() {
        return (int) outcomes.stream().filter(Outcome::ok).count();
    }

    public int failed() {
        return outcomes.size() - ok();
    }

    public double seconds() {
        return durationNanos / 1e9;
    }

    public double perSecond() {
        return durationNanos == 0 ? 0 : outcomes.size() / seconds();
    }

    /** Requests answered by each replica: those of {@code known} first, in that order (0 when none), then any others by name. */
    public Map<String, Long> countsByServer(List<String> known) {
        Map<String, Long> counts = new LinkedHashMap<>();
        known.forEach(name -> counts.put(name, 0L));
        Map<String, Long> others = new TreeMap<>();
        for (Outcome o : outcomes) {
            if (!o.ok()) continue;
            if (counts.containsKey(o.server())) counts.merge(o.server(), 1L, Long::sum); else others.merge(o.server(), 1L, Long::sum);
        }
        counts.putAll(others);
        return counts;
    }

    /** The same outcomes with the replicas in {@code names} (old to new) answering under their new names. */
    public TrafficResult renamed(Map<String, String> names) {
        return new TrafficResult(outcomes.stream().map(o -> o.server() != null && names.containsKey(o.server())
                ? new Outcome(o.requestId(), o.sentNanos(), o.doneNanos(), o.status(), names.get(o.server()), o.error()) : o).toList(), durationNanos);
    }

    /** The most common failure, for a one-line explanation; null when nothing failed. */
    public String typicalError() {
        Map<String, Integer> errors = new TreeMap<>();
        outcomes.stream().filter(o -> !o.ok()).forEach(o -> errors.merge(o.error(), 1, Integer::sum));
        return errors.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }
}

package dev.clb.analyzer.experiments;

import java.util.List;

/** A-6 as saved in a6.json. */
public record A6Result(Provenance provenance, int keys, double exponent, int delayMs, List<A6HotKeys.HotKeys> results, List<String> notMeasured) {
    /** No request failed. */
    public boolean passed() {
        return results.stream().allMatch(r -> r.failed() == 0);
    }
}

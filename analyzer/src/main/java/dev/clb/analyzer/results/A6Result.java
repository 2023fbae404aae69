package dev.clb.analyzer.results;

import java.util.List;

/** A-6 as saved in a6.json. */
public record A6Result(Provenance provenance, int keys, double exponent, int delayMs, List<HotKeys> results, List<String> notMeasured) implements Result {
    /** No request failed. */
    @Override
    public boolean passed() {
        return results.stream().allMatch(r -> r.failed() == 0);
    }
}

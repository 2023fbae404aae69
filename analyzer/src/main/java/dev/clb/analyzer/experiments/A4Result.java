package dev.clb.analyzer.experiments;

import java.util.List;

/**
 * A-4 as saved in a4.json: per hash, in the hash map's order.
 *
 * @param notMeasured why a hash was left out (remote mode without a load balancer for it)
 */
public record A4Result(Provenance provenance, List<RunResult> homeRuns, List<Scaling> scalings, List<String> notMeasured) {
    public boolean passed() {
        return homeRuns.stream().allMatch(RunResult::passed) && scalings.stream().allMatch(Scaling::passed);
    }
}

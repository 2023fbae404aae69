package dev.clb.analyzer.results;

import java.util.List;

/**
 * A-4 as saved in a4.json: A-1 per setup, A-2 per hash of the slot ring, in the order of {@code Setup.ALL}.
 *
 * @param notMeasured why a setup was left out (remote mode without a load balancer for it)
 */
public record A4Result(Provenance provenance, List<RunResult> homeRuns, List<Scaling> scalings, List<String> notMeasured) implements Result {
    /**
     * Every run without failures; without bounded loads the split must also be the model's. Bounded loads move
     * requests off a replica whenever it holds more than its bound in flight, so their split may differ by design.
     */
    @Override
    public boolean passed() {
        return homeRuns.stream().allMatch(r -> r.setup().endsWith("-bounded") ? r.failed() == 0 : r.passed())
                && scalings.stream().allMatch(Scaling::passed);
    }
}

package dev.clb.analyzer.results;

import java.util.List;

/** A-5 as saved in a5.json. */
public record A5Result(Provenance provenance, List<Disruption> disruptions, List<String> notMeasured) implements Result {
    @Override
    public boolean passed() {
        return disruptions.stream().allMatch(Disruption::passed);
    }
}

package dev.clb.analyzer.experiments;

import java.util.List;

/** A-5 as saved in a5.json. */
public record A5Result(Provenance provenance, List<A5Disruption.Disruption> disruptions, List<String> notMeasured) {
    public boolean passed() {
        return disruptions.stream().allMatch(A5Disruption.Disruption::passed);
    }
}

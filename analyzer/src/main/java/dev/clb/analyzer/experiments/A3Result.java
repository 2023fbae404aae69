package dev.clb.analyzer.experiments;

import java.util.List;

/** A-3 as saved in a3.json. */
public record A3Result(Provenance provenance, String hash, List<EndpointCheck> checks, Failover failover) {
    public boolean passed() {
        return checks.stream().allMatch(EndpointCheck::passed) && failover.passed();
    }
}

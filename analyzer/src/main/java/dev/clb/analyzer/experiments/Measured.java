package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.results.RunResult;
import dev.clb.analyzer.traffic.TrafficResult;

/** A measured run with what it came from: the placement {@code /ring} showed before it, and every request's outcome. */
record Measured(RunResult result, RingView ring, TrafficResult traffic) {
    /** The ring id that answered each request, in the order sent; 0 where it failed or the answering replica was not listed. */
    int[] ringIdsAnswering() {
        var ids = ring.ringIds();
        return traffic.outcomes().stream().mapToInt(o -> o.ok() ? ids.getOrDefault(o.server(), 0) : 0).toArray();
    }
}

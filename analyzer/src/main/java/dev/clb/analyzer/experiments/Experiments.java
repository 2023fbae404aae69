package dev.clb.analyzer.experiments;

import java.util.List;

/** A-1..A-7, fresh (an experiment keeps what it measures). */
public final class Experiments {
    private Experiments() {
    }

    /** In the report's order. */
    public static List<Experiment<?>> all() {
        return List.of(new A1HomeDistribution(), new A2Scaling(), new A3Failover(), new A4StrategyComparison(), new A5Disruption(),
                new A6HotKeys(), new A7SlowStart());
    }

    /**
     * In the order {@code all} measures them: A-5 after the others that share a setup's load balancer, since on it it
     * kills, adds and removes replicas, which the others would then see; A-7 last, on load balancers of its own.
     */
    public static List<Experiment<?>> inMeasuringOrder() {
        return List.of(new A1HomeDistribution(), new A2Scaling(), new A3Failover(), new A4StrategyComparison(), new A6HotKeys(),
                new A5Disruption(), new A7SlowStart());
    }
}

package dev.clb.analyzer.experiments;

import dev.clb.analyzer.Settings;
import dev.clb.analyzer.Setup;
import java.util.List;

/**
 * One of A-1..A-6. The analysis measures setup by setup (one load balancer per setup, shared by every experiment that
 * needs it), then lets each experiment write its results.
 */
public interface Experiment {
    /** a1, a2, ... as on the command line. */
    String id();

    String title();

    /** The setups it measures, in order. */
    List<Setup> setups(Settings settings);

    /** Measures {@code setup}, keeping the results (in the session where other experiments reuse them). */
    void measure(Session session, Setup setup) throws Exception;

    /** Writes its charts and raw results from what it measured; returns whether all its checks passed. */
    boolean report(Session session) throws Exception;
}

package dev.clb.analyzer.experiments;

/** One of A-1..A-4. */
public interface Experiment {
    /** a1, a2, ... as on the command line. */
    String id();

    String title();

    /** Measures, then writes its charts and raw results to the output directory; returns whether all its checks passed. */
    boolean run(Session session) throws Exception;
}

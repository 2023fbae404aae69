package dev.clb.analyzer;

import dev.clb.analyzer.experiments.Experiment;
import dev.clb.analyzer.experiments.Session;
import dev.clb.analyzer.output.Report;
import dev.clb.analyzer.output.Summary;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs experiments in turn in one session, then writes REPORT.md and prints the summary; returns the exit code. */
public final class Analysis {
    private Analysis() {
    }

    /** 0 when every experiment ran and passed its checks, 1 otherwise. */
    public static int run(Settings settings, List<Experiment> experiments, PrintStream out) {
        long start = System.nanoTime();
        Map<String, String> outcomes = new LinkedHashMap<>();
        boolean allPassed = true;
        try (Session session = new Session(settings, out)) {
            out.printf("analyzer: %s; %,d requests per run (warm-up batches of %d), concurrency %d, seed %d; output in %s%n",
                    settings.remote() ? "driving " + settings.loadBalancers() : "starting local load balancers from " + settings.lbJar(),
                    settings.requests(), settings.warmup(), settings.concurrency(), settings.seed(), settings.out().toAbsolutePath());
            for (Experiment experiment : experiments) {
                out.println();
                out.println(experiment.title());
                long t0 = System.nanoTime();
                try {
                    boolean passed = experiment.run(session);
                    allPassed &= passed;
                    outcomes.put(experiment.id(), String.format("%s in %.1f s", passed ? "passed" : "CHECKS FAILED", seconds(t0)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    outcomes.put(experiment.id(), "interrupted");
                    allPassed = false;
                    break;
                } catch (Exception e) {
                    allPassed = false;
                    outcomes.put(experiment.id(), "ERROR: " + e.getMessage());
                    out.println("  " + experiment.id() + " did not complete: " + e);
                }
            }
            try {
                out.println();
                out.println("wrote " + Report.write(session.files()).toAbsolutePath());
            } catch (Exception e) {
                allPassed = false;
                out.println("could not write REPORT.md: " + e);
            }
            Summary.print(out, session.runs(), outcomes, seconds(start));
        }
        return allPassed ? 0 : 1;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}

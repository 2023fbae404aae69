package dev.clb.analyzer.analysis;

import dev.clb.analyzer.experiments.Experiment;
import dev.clb.analyzer.experiments.Session;
import dev.clb.analyzer.output.Summary;
import dev.clb.analyzer.results.Result;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs experiments in one session, setup by setup: every experiment that needs a setup measures it while its load
 * balancer runs (so each setup's load balancer starts once), in the order the experiments are given; then each saves
 * its result (JSON, CSV, charts), REPORT.md is written and the summary printed. Returns the exit code.
 */
public final class Analysis {
    private Analysis() {
    }

    /** 0 when every experiment ran and passed its checks, 1 otherwise. */
    public static int run(Settings settings, List<Experiment<?>> experiments, PrintStream out) {
        long start = System.nanoTime();
        Map<String, String> outcomes = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        boolean allPassed = true;
        try (Session session = new Session(settings, out)) {
            out.printf("analyzer: %s; %,d requests per run (warm-up batches of %d), concurrency %d, seed %d; output in %s%n",
                    settings.remote() ? "driving " + settings.loadBalancers() : "starting local load balancers from " + settings.lbJar(),
                    settings.requests(), settings.warmup(), settings.concurrency(), settings.seed(), settings.out().toAbsolutePath());
            List<Experiment<?>> running = experiments.stream().filter(e -> e.setups(settings).stream().anyMatch(settings::measures)).toList();
            experiments.stream().filter(e -> !running.contains(e)).forEach(e -> outcomes.put(e.id(), "skipped: none of its setups is in --setups"));
            Set<Setup> setups = new LinkedHashSet<>();
            running.forEach(e -> e.setups(settings).stream().filter(settings::measures).forEach(setups::add));
            measuring:
            for (Setup setup : setups) {
                out.println();
                out.println("Setup " + setup.label());
                for (Experiment<?> experiment : running) {
                    if (!experiment.setups(settings).contains(setup)) continue;
                    long t0 = System.nanoTime();
                    try {
                        experiment.measure(session, setup);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        outcomes.put(experiment.id(), "interrupted");
                        allPassed = false;
                        break measuring;
                    } catch (Exception e) {
                        // the experiment goes on with the other setups; it reports what it measured and fails
                        allPassed = false;
                        errors.merge(experiment.id(), setup.name() + ": " + e.getMessage(), (a, b) -> a + "; " + b);
                        out.println("  " + experiment.id() + " did not complete (" + setup.name() + "): " + e);
                    }
                    seconds.merge(experiment.id(), seconds(t0), Double::sum);
                }
            }
            out.println();
            for (Experiment<?> experiment : running) {
                if (outcomes.containsKey(experiment.id())) continue;
                String error = errors.get(experiment.id());
                try {
                    boolean passed = save(experiment, session);
                    allPassed &= passed;
                    out.printf("%s: %s%n", experiment.title(), error != null ? "INCOMPLETE" : passed ? "passed" : "CHECKS FAILED");
                    outcomes.put(experiment.id(), String.format("%s, measured in %.1f s", error != null ? "ERROR: " + error
                            : passed ? "passed" : "CHECKS FAILED", seconds.getOrDefault(experiment.id(), 0.0)));
                } catch (Exception e) {
                    allPassed = false;
                    outcomes.put(experiment.id(), "ERROR: " + (error != null ? error : "") + " could not write its results: " + e.getMessage());
                    out.println("  " + experiment.id() + " could not write its results: " + e);
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

    /** Writes what {@code experiment} measured: its result as JSON, its tables and its charts; returns whether its checks passed. */
    private static <R extends Result> boolean save(Experiment<R> experiment, Session session) throws Exception {
        R result = experiment.result(session);
        session.files().json(experiment.id(), result);
        experiment.writeTables(result, session.files());
        experiment.drawCharts(result, session.files());
        return result.passed();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}

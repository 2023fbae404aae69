package dev.clb.analyzer.output;

import dev.clb.analyzer.results.RunResult;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The table printed at the end: every measured run, then every experiment's outcome and the total time. */
public final class Summary {
    private Summary() {
    }

    public static void print(PrintStream out, List<RunResult> runs, Map<String, String> experiments, double totalSeconds) {
        out.println();
        out.println("Summary");
        if (!runs.isEmpty()) {
            out.printf("  %-22s %8s %7s %8s %8s  %-6s  %s%n", "run", "requests", "failed", "seconds", "req/s", "split", "requests per replica");
            for (RunResult run : runs) {
                String split = run.counts().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
                out.printf("  %-22s %8d %7d %8.2f %8.0f  %-6s  %s%n", run.label(), run.requests(), run.failed(), run.seconds(), run.perSecond(),
                        run.check().passed() ? "ok" : "OFF", split);
            }
        }
        experiments.forEach((id, outcome) -> out.printf("  %s: %s%n", id, outcome));
        out.printf("  total %.1f s%n", totalSeconds);
    }
}

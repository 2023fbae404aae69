package dev.clb.analyzer.output;

import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.results.RunResult;
import java.util.Locale;
import java.util.stream.Collectors;

/** Wording and number formats that the sections of REPORT.md share. */
public final class ReportText {
    private ReportText() {
    }

    /** The sentence under each section's heading: when, against what, with how much traffic. */
    public static String measured(Provenance p) {
        return String.format(Locale.ROOT, "Measured %s against %s; %,d requests per run (warm-up batches of %d), concurrency %d, seed %d.",
                p.finishedAt(), p.mode(), p.requests(), p.warmup(), p.concurrency(), p.seed());
    }

    /** The listed replicas' counts: "8437 / 469 / 1094". */
    public static String counts(RunResult r) {
        return r.replicas().stream().map(name -> String.valueOf(r.counts().get(name))).collect(Collectors.joining(" / "));
    }

    /** The listed replicas' expected counts, as {@link #counts}. */
    public static String expected(RunResult r) {
        return r.replicas().stream().map(name -> String.format(Locale.ROOT, "%.0f", r.expected().get(name))).collect(Collectors.joining(" / "));
    }

    public static String pct(double share) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * share);
    }

    public static String two(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    public static String ms(double value) {
        return String.format(Locale.ROOT, "%.1f ms", value);
    }
}

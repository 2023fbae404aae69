package dev.clb.analyzer.analysis;

import dev.clb.analyzer.experiments.Experiment;
import dev.clb.analyzer.experiments.Experiments;
import dev.clb.analyzer.output.Markdown;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.results.Result;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * REPORT.md, written from the raw results in the output directory (a1.json .. a7.json), whichever exist: each
 * experiment's section, then the trade-offs between the strategies from those that compare them.
 */
public final class Report {
    private Report() {
    }

    public static Path write(ResultFiles files) throws IOException {
        Markdown md = new Markdown();
        md.heading(1, "Load balancer analysis: A-1 to A-7");
        md.paragraph("""
                Written by the analyzer (`java -jar analyzer/target/analyzer.jar all`, or one of `a1`..`a7`) from the raw results
                beside this file: `a1.json`..`a7.json` and the same as CSV. Every measured run sends the same random 6-digit request
                ids (from the seed below) as `X-Request-ID`, which the load balancer uses as the request id, so runs differ only in
                their configuration and a rerun with the same seed sends the same requests. Uncounted warm-up requests precede each
                run whose speed is reported, in batches repeated while the load balancer still gets faster (a freshly started JVM is
                still compiling). A *setup* is one way of balancing: a strategy (`--strategy slots|ring|maglev`), for `slots` its
                hash pair (`--hash`), and optionally bounded loads (`--bounded-load 1.25`); the analyzer starts one load balancer
                per setup and every experiment that needs the setup uses it.

                *Expected* is what the load balancer's own model says, read from its management port (`GET /ring`): each replica's
                ring id and its share of all 900,000 six-digit ids, times the requests answered. A measured split *matches* when
                every replica's count lies within 4 standard deviations of the binomial around its expected count. For the slot
                ring the analyzer also rebuilds the map from the hash map API with the ring ids `/ring` gives; *routing agreement*
                is the fraction of requests answered by exactly the replica that map computes for their id.""");
        boolean any = false;
        List<String> tradeOffs = new ArrayList<>();
        for (Experiment<?> experiment : Experiments.all()) any |= section(experiment, files, md, tradeOffs);
        if (!tradeOffs.isEmpty()) {
            md.heading(2, "Trade-offs");
            tradeOffs.forEach(md::paragraph);
            md.paragraph("""
                    **Memory and lookup.** The slot ring is an array of M = 512 slots, and a lookup walks clockwise to the next
                    occupied one; more virtual servers need a larger M. The ring hash keeps vnodes × N points on a 64-bit circle (160 ×
                    3 = 480 here, 8,000 at N = 50) plus a bucket table on the hash's top bits, so a lookup scans one or two points;
                    balance improves roughly as the square root of the points. Maglev keeps a table of 65,537 entries whatever N (a lookup
                    is one array index) and rebuilds all of it on every change of the replicas, which is why it needs a prime table
                    well above N and why a change costs more than on a ring. Bounded loads read the per-replica in-flight counts on
                    every request and may walk the fallback order. The JMH benchmarks in `benchmarks/` measure these costs; this
                    report measures behaviour.""");
        }
        if (!any) md.paragraph("No results yet: run the analyzer.");
        files.markdown("REPORT", md.toString());
        return files.dir().resolve("REPORT.md");
    }

    /** The section of {@code experiment} when its result is in {@code files}, and its trade-off paragraph; whether there was one. */
    private static <R extends Result> boolean section(Experiment<R> experiment, ResultFiles files, Markdown md, List<String> tradeOffs)
            throws IOException {
        Optional<R> result = files.read(experiment.id(), experiment.resultType());
        result.ifPresent(r -> {
            experiment.writeSection(r, md);
            experiment.tradeOff(r).ifPresent(tradeOffs::add);
        });
        return result.isPresent();
    }
}

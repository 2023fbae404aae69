package dev.clb.analyzer.output;

import dev.clb.analyzer.experiments.A1Result;
import dev.clb.analyzer.experiments.A2Result;
import dev.clb.analyzer.experiments.A3Result;
import dev.clb.analyzer.experiments.A4Result;
import dev.clb.analyzer.experiments.A5Result;
import dev.clb.analyzer.experiments.A6Result;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Draws the charts and writes REPORT.md again from the raw results in the output directory, without measuring. */
public final class Redraw {
    private Redraw() {
    }

    /** The names of the results found and redrawn. */
    public static List<String> all(ResultFiles files) throws IOException {
        List<String> done = new ArrayList<>();
        Optional<A1Result> a1 = files.read("a1", A1Result.class);
        if (a1.isPresent()) {
            Charts.homeCounts(a1.get().run(), files.png("a1-requests-per-replica"));
            done.add("a1");
        }
        Optional<A2Result> a2 = files.read("a2", A2Result.class);
        if (a2.isPresent()) {
            Charts.loadVersusN(a2.get().scaling(), files.png("a2-load-vs-n"));
            done.add("a2");
        }
        Optional<A3Result> a3 = files.read("a3", A3Result.class);
        if (a3.isPresent()) {
            Charts.failoverTimeline(a3.get().failover(), files.png("a3-failover-timeline"));
            done.add("a3");
        }
        Optional<A4Result> a4 = files.read("a4", A4Result.class);
        if (a4.isPresent()) {
            Charts.homeCountsBySetup(a4.get().homeRuns(), files.png("a4-requests-per-replica-by-setup"));
            Charts.maxOverMeanBySetup(a4.get().homeRuns(), files.png("a4-max-over-mean-by-setup"));
            if (!a4.get().scalings().isEmpty()) {
                Charts.loadVersusNByHash(a4.get().scalings(), files.png("a4-load-vs-n-by-hash"));
                Charts.spreadByHash(a4.get().scalings(), files.png("a4-spread-by-hash"));
            }
            done.add("a4");
        }
        Optional<A5Result> a5 = files.read("a5", A5Result.class);
        if (a5.isPresent()) {
            Charts.disruption(a5.get().disruptions(), files.png("a5-disruption"));
            done.add("a5");
        }
        Optional<A6Result> a6 = files.read("a6", A6Result.class);
        if (a6.isPresent()) {
            Charts.hotKeyShares(a6.get(), files.png("a6-busiest-share"));
            Charts.hotKeyLatencies(a6.get(), files.png("a6-latency"));
            done.add("a6");
        }
        Report.write(files);
        return done;
    }
}

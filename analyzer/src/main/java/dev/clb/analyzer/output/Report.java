package dev.clb.analyzer.output;

import dev.clb.analyzer.experiments.A1Result;
import dev.clb.analyzer.experiments.A2Result;
import dev.clb.analyzer.experiments.A3Result;
import dev.clb.analyzer.experiments.A4Result;
import dev.clb.analyzer.experiments.A5Result;
import dev.clb.analyzer.experiments.A6Result;
import dev.clb.analyzer.experiments.EndpointCheck;
import dev.clb.analyzer.experiments.Failover;
import dev.clb.analyzer.experiments.Provenance;
import dev.clb.analyzer.experiments.RunResult;
import dev.clb.analyzer.experiments.Scaling;
import dev.clb.analyzer.stats.RingAnalysis;
import dev.clb.hashmap.HashScheme;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * REPORT.md, written from the raw results in the output directory (a1.json .. a6.json), whichever exist: what each
 * experiment measured, and why the numbers are what they are.
 */
public final class Report {
    private Report() {
    }

    public static Path write(ResultFiles files) throws IOException {
        Optional<A1Result> a1 = files.read("a1", A1Result.class);
        Optional<A2Result> a2 = files.read("a2", A2Result.class);
        Optional<A3Result> a3 = files.read("a3", A3Result.class);
        Optional<A4Result> a4 = files.read("a4", A4Result.class);
        Optional<A5Result> a5 = files.read("a5", A5Result.class);
        Optional<A6Result> a6 = files.read("a6", A6Result.class);
        Markdown md = new Markdown();
        md.heading(1, "Load balancer analysis: A-1 to A-6");
        md.paragraph("""
                Written by the analyzer (`java -jar analyzer/target/analyzer.jar all`, or one of `a1`..`a6`) from the raw results
                beside this file: `a1.json`..`a6.json` and the same as CSV. Every measured run sends the same random 6-digit request
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
        a1.ifPresent(r -> a1(md, r));
        a2.ifPresent(r -> a2(md, r));
        a3.ifPresent(r -> a3(md, r));
        a4.ifPresent(r -> StrategySections.a4(md, r));
        a5.ifPresent(r -> StrategySections.a5(md, r));
        a6.ifPresent(r -> StrategySections.a6(md, r));
        if (a4.isPresent() || a5.isPresent() || a6.isPresent()) StrategySections.tradeOffs(md, a4, a5, a6);
        if (a1.isEmpty() && a2.isEmpty() && a3.isEmpty() && a4.isEmpty() && a5.isEmpty() && a6.isEmpty()) {
            md.paragraph("No results yet: run the analyzer.");
        }
        files.markdown("REPORT", md.toString());
        return files.dir().resolve("REPORT.md");
    }

    private static void a1(Markdown md, A1Result result) {
        RunResult run = result.run();
        md.heading(2, String.format(Locale.ROOT, "A-1: %,d requests to /home with N = %d (%s)", run.requests(), run.n(), run.placement()));
        md.paragraph(measured(result.provenance()));
        md.image("A-1: requests per replica", "a1-requests-per-replica.png");
        md.table(List.of("replica", "ring id", "requests answered", "expected", "z", "the rebuilt map's count for these very ids"), replicaRows(run));
        md.paragraph(verdict(run));
        if (run.setup().equals("assignment") && run.n() == 3) {
            md.paragraph("""
                    SPEC §3 gives the expected split for these functions as 8437 / 469 / 1094 per 10,000 requests; the *expected*
                    column is that split, computed by the hash map, scaled to the requests answered.""");
        }
        if (isDefaultSlots(run)) {
            md.heading(3, "Why the split is what it is");
            SkewExplanation.forRing(md, RingAnalysis.of(HashScheme.named(run.hash()), run.n()));
        }
    }

    private static void a2(Markdown md, A2Result result) {
        Scaling scaling = result.scaling();
        md.heading(2, "A-2: N = " + scaling.runs().get(0).n() + ".." + scaling.runs().get(scaling.runs().size() - 1).n()
                + " (" + scaling.label() + ")");
        md.paragraph(measured(result.provenance()) + " One load balancer served all runs: brought to N = " + scaling.runs().get(0).n()
                + " (started so, or through `DELETE /rm` of the newest replicas), then scaled up through `POST /add`, one replica "
                + "at a time, between the runs.");
        md.image("A-2: load per replica as N grows", "a2-load-vs-n.png");
        md.table(List.of("N", "mean", "min", "max", "standard deviation", "sd / mean", "measured split", "expected split", "matches"),
                scaling.runs().stream().map(Report::spreadRow).toList());
        RunResult first = scaling.runs().get(0);
        RunResult last = scaling.runs().get(scaling.runs().size() - 1);
        md.paragraph(String.format(Locale.ROOT, """
                The average load per replica is requests / N by definition; what the experiment shows is the spread around it.
                %s
                From N = %d to N = %d the most loaded replica answered %s and then %s of the requests, the least loaded %s and %s.""",
                allMatch(scaling.runs()), first.n(), last.n(), share(first.stats().max(), first.ok()), share(last.stats().max(), last.ok()),
                share(first.stats().min(), first.ok()), share(last.stats().min(), last.ok())));
        if (scaling.setup().equals("assignment")) {
            md.paragraph("""
                    Adding replicas barely helps with the assignment's functions. A new replica with ring id i puts its virtual servers at
                    Φ(i, j) = i² + (j + 1)² + 24, i.e. from i² + 25 up to i² + 105: inside the cluster of existing virtual servers or
                    just past its end. It splits the short arcs in there and trims a few slots off the start of the wide arc that wraps
                    round from the last virtual server to slot 26, which stays server-1's, so server-1 keeps most of the load at every N
                    (computed from the hash map):""");
            SkewExplanation.forScaling(md, HashScheme.ASSIGNMENT, first.n(), last.n());
        }
    }

    private static void a3(Markdown md, A3Result result) {
        md.heading(2, "A-3: every endpoint, and a replica killed under traffic (" + result.placement() + ")");
        md.paragraph(measured(result.provenance()));
        long passed = result.checks().stream().filter(EndpointCheck::passed).count();
        md.heading(3, String.format(Locale.ROOT, "Endpoints: %d of %d checks passed", passed, result.checks().size()));
        md.paragraph("""
                Each request was sent once; every bad input must get a 400 with an `<Error> ` message and leave `/rep` exactly as it
                was (the analyzer compares `/rep` before and after). Replicas added by the tour were removed again.""");
        md.table(List.of("request", "expected", "answer", "ok"), result.checks().stream()
                .map(c -> List.of("`" + c.request() + "`", c.expected(), "`" + c.actual() + "`", c.passed() ? "yes" : "**NO**")).toList());
        Failover f = result.failover();
        md.heading(3, "A replica killed under steady traffic");
        md.image("A-3: timeline of a replica failure", "a3-failover-timeline.png");
        if (f.skipped() != null) {
            md.paragraph("The kill was skipped: " + f.skipped());
            return;
        }
        md.table(List.of("figure", "value"), List.of(
                List.of("traffic", String.format(Locale.ROOT, "%,d requests to /home at %.0f req/s, over %d replicas %s", f.requests(),
                        f.perSecond(), f.replicasBefore().size(), f.replicasBefore())),
                List.of("killed", String.format(Locale.ROOT, "%s (%s) %.2f s into the traffic", f.victim(),
                        result.provenance().remote() ? "`docker kill`" : "SIGKILL to its process", f.killAtSeconds())),
                List.of("time to detection (`/rep` no longer lists it)", millis(f.detectedAfterMs())),
                List.of("time until N replicas serve again (the replacement answered a request)", millis(f.servingAgainAfterMs())),
                List.of("replacement", (f.replacements().isEmpty() ? "none" : String.join(", ", f.replacements()))
                        + String.format(Locale.ROOT, "; `/ring` gives it ring id %s (the victim had %d)", f.replacements().stream()
                        .map(name -> String.valueOf(result.ringIdsAfter().get(name))).collect(Collectors.joining(", ")), result.victimRingId())),
                List.of("replicas afterwards", f.replicasAfter().toString()),
                List.of("failed requests", f.failed() + " of " + f.requests() + " (" + f.failedAfterKill() + " after the kill)"
                        + (f.typicalError() == null ? "" : "; e.g. " + f.typicalError()))));
        md.paragraph(String.format(Locale.ROOT, """
                Before the kill %s answered %s of the requests. When its process died the load balancer saw it (a refused
                connection counts as a failure at once, without waiting for missed heartbeats), removed it from the map and put %s
                in its place under the same ring id (as `/ring` shows), hence on exactly the same slots: in the timeline the replacement's line takes
                over where the victim's stops, while the other replicas keep their own slots. A request that reached the dead
                replica in between was retried on the next replica clockwise, so %s.""",
                f.victim(), pct(shareBeforeKill(f)), f.replacements().isEmpty() ? "a replacement" : String.join(", ", f.replacements()),
                f.failed() == 0 ? "no request failed" : f.failed() + " requests failed (see the table)"));
        int killBin = (int) (f.killAtSeconds() * 1000 / f.binMillis());
        int[] totals = intervalTotals(f);
        double mean = java.util.Arrays.stream(totals, 0, Math.max(1, killBin)).average().orElse(0);
        md.paragraph(String.format(Locale.ROOT, """
                Intervals in which fewer than half the usual requests (%.0f per %d ms before the kill) completed: %d of %d before the kill,
                %d of %d after it. Dips before the kill cannot be the failure's doing: they are the machine's (other processes
                competing for its cores); dips after it beyond those are the cost of the failure.""",
                mean, f.binMillis(), dips(totals, 0, killBin, mean), killBin, dips(totals, killBin, totals.length - 1, mean),
                Math.max(0, totals.length - 1 - killBin)));
    }

    /** Requests completed (answered or failed) per interval. */
    private static int[] intervalTotals(Failover f) {
        int[] totals = new int[f.failedTimeline().size()];
        for (int i = 0; i < totals.length; i++) {
            totals[i] = f.failedTimeline().get(i);
            for (List<Integer> series : f.timeline().values()) totals[i] += series.get(i);
        }
        return totals;
    }

    /** Intervals in [from, to) with under half the mean; the last interval of a run is partial and never counted. */
    private static int dips(int[] totals, int from, int to, double mean) {
        int dips = 0;
        for (int i = from; i < to; i++) if (totals[i] < mean / 2) dips++;
        return dips;
    }

    /** The victim's share of the requests answered in the intervals before the kill. */
    private static double shareBeforeKill(Failover f) {
        int bins = (int) (f.killAtSeconds() * 1000 / f.binMillis());
        long victim = f.timeline().get(f.victim()).subList(0, bins).stream().mapToLong(Integer::longValue).sum();
        long all = f.timeline().values().stream().mapToLong(series -> series.subList(0, bins).stream().mapToLong(Integer::longValue).sum()).sum();
        return all == 0 ? 0 : (double) victim / all;
    }

    private static List<List<String>> replicaRows(RunResult run) {
        List<List<String>> rows = new ArrayList<>();
        run.counts().forEach((replica, count) -> {
            int index = run.replicas().indexOf(replica);
            rows.add(index < 0 ? List.of(replica, "not listed", String.valueOf(count), "", "", "")
                    : List.of(replica, String.valueOf(run.ringIds().get(replica)), String.valueOf(count),
                    String.format(Locale.ROOT, "%.1f", run.expected().get(replica)),
                    String.format(Locale.ROOT, "%+.2f", run.check().z().get(index)),
                    run.predicted().containsKey(replica) ? String.valueOf(run.predicted().get(replica)) : "no model"));
        });
        return rows;
    }

    private static List<String> spreadRow(RunResult r) {
        return List.of(String.valueOf(r.n()), String.format(Locale.ROOT, "%.0f", r.stats().mean()), String.valueOf(r.stats().min()),
                String.valueOf(r.stats().max()), String.format(Locale.ROOT, "%.0f", r.stats().sd()), pct(r.stats().relativeSd()),
                counts(r), expected(r), r.check().passed() ? "yes" : "**no**");
    }

    /** The slot ring with the shape the explanations model: 512 slots, 9 virtual servers, linear probing. */
    private static boolean isDefaultSlots(RunResult run) {
        return HashScheme.ALL.stream().anyMatch(h -> h.name().equals(run.setup())) && run.placement().startsWith("slots (M = 512, K = 9,");
    }

    private static String verdict(RunResult run) {
        return String.format(Locale.ROOT, """
                %s: the measured split %s the model's within sampling error (largest |z| = %.2f).%s
                %,d requests answered in %.2f s (%.0f req/s), %d failed%s.""",
                run.passed() ? "**Passed**" : "**Failed**", run.check().passed() ? "matches" : "does not match", run.check().maxAbsZ(),
                run.routingAgreement() == null ? "" : String.format(Locale.ROOT, " Routing agreement %.2f%%.", 100 * run.routingAgreement()),
                run.ok(), run.seconds(), run.perSecond(), run.failed(),
                run.typicalError() == null ? "" : " (e.g. " + run.typicalError() + ")");
    }

    private static String allMatch(List<RunResult> runs) {
        long matching = runs.stream().filter(r -> r.check().passed()).count();
        double minAgreement = runs.stream().filter(r -> r.routingAgreement() != null).mapToDouble(RunResult::routingAgreement).min().orElse(0);
        return String.format(Locale.ROOT, "%d of %d runs match the model's split within sampling error; routing agreement at least %.2f%%; %d requests failed in all.",
                matching, runs.size(), 100 * minAgreement, runs.stream().mapToInt(RunResult::failed).sum());
    }

    static String measured(Provenance p) {
        return String.format(Locale.ROOT, "Measured %s against %s; %,d requests per run (warm-up batches of %d), concurrency %d, seed %d.",
                p.finishedAt(), p.mode(), p.requests(), p.warmup(), p.concurrency(), p.seed());
    }

    static String counts(RunResult r) {
        return r.replicas().stream().map(name -> String.valueOf(r.counts().get(name))).collect(Collectors.joining(" / "));
    }

    static String expected(RunResult r) {
        return r.replicas().stream().map(name -> String.format(Locale.ROOT, "%.0f", r.expected().get(name))).collect(Collectors.joining(" / "));
    }

    private static String share(long count, int total) {
        return pct(total == 0 ? 0 : (double) count / total);
    }

    static String pct(double share) {
        return SkewExplanation.pct(share);
    }

    private static String millis(Double ms) {
        return ms == null ? "not within 30 s" : String.format(Locale.ROOT, "%.0f ms after the kill", ms);
    }
}

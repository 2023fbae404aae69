package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.Markdown;
import dev.clb.analyzer.output.ReportText;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.output.RunTable;
import dev.clb.analyzer.output.SkewExplanation;
import dev.clb.analyzer.results.A1Result;
import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.results.RunResult;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import dev.clb.analyzer.stats.RingAnalysis;
import dev.clb.hashmap.HashScheme;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.data.category.DefaultCategoryDataset;

/** requests to {@code /home} with N = 3; how many each replica answered, against what the model predicts. */
public final class A1HomeDistribution implements Experiment<A1Result> {
    static final int REPLICAS = 3;
    private static final String CHART = "a1-requests-per-replica.png";
    private RunResult run;

    @Override
    public String id() {
        return "a1";
    }

    @Override
    public String title() {
        return "A-1: requests per replica, N = " + REPLICAS;
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return List.of(settings.primarySetup());
    }

    /** The run at N = 3 for {@code setup}, measured once per session; empty in remote mode when no load balancer runs it. */
    static Optional<Measured> measure(Session session, Setup setup, String experiment) throws Exception {
        Optional<Measured> done = session.homeRuns.get(setup.name());
        if (done != null) return done;
        Optional<Deployment> deployment = session.deployment(setup, REPLICAS);
        Optional<Measured> result = deployment.isEmpty() ? Optional.empty()
                : Optional.of(MeasuredRun.measure(session, deployment.get(), experiment + " " + setup.name() + " N=" + REPLICAS));
        session.homeRuns.put(setup.name(), result);
        return result;
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        run = measure(session, setup, "a1").orElseThrow(() -> new IllegalStateException(Deployments.missing(setup))).result();
    }

    @Override
    public A1Result result(Session session) {
        if (run == null) throw new IllegalStateException("nothing measured");
        return new A1Result(Provenance.of(session.settings()), run);
    }

    @Override
    public Class<A1Result> resultType() {
        return A1Result.class;
    }

    @Override
    public void writeTables(A1Result result, ResultFiles files) throws IOException {
        files.csv("a1", RunTable.HEADER, RunTable.rows(List.of(result.run())));
    }

    @Override
    public void drawCharts(A1Result result, ResultFiles files) throws IOException {
        Charts.save(chart(result.run()), files.path(CHART));
    }

    /** Requests each replica answered, beside what the hash map predicts for the share of all 6-digit ids. */
    static JFreeChart chart(RunResult run) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        run.counts().forEach((replica, count) -> data.addValue(count, "measured", replicaLabel(run, replica)));
        run.expected().forEach((replica, expected) -> data.addValue(expected, "expected (the model's share of all 6-digit ids, from /ring)",
                replicaLabel(run, replica)));
        CategoryPlot plot = Charts.barPlot(data, "replica (ring id from /ring)", "requests answered");
        return Charts.chart("A-1: " + Charts.WHOLE.format(run.requests()) + " requests to /home, N = " + run.n() + ", " + run.placement(), plot,
                String.format("%.0f req/s, %d failed; split %s the model's within sampling error (max |z| = %.1f, limit 4)",
                        run.perSecond(), run.failed(), run.check().passed() ? "matches" : "does NOT match", run.check().maxAbsZ()));
    }

    private static String replicaLabel(RunResult run, String replica) {
        Integer ringId = run.ringIds().get(replica);
        return ringId == null ? replica + " (not listed)" : replica + " (ring id " + ringId + ")";
    }

    @Override
    public void writeSection(A1Result result, Markdown md) {
        RunResult run = result.run();
        md.heading(2, String.format(Locale.ROOT, "A-1: %,d requests to /home with N = %d (%s)", run.requests(), run.n(), run.placement()));
        md.paragraph(ReportText.measured(result.provenance()));
        md.image("A-1: requests per replica", CHART);
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
}

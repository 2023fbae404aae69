package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.Markdown;
import dev.clb.analyzer.output.ReportText;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.output.RunTable;
import dev.clb.analyzer.output.SkewExplanation;
import dev.clb.analyzer.results.A2Result;
import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.results.RunResult;
import dev.clb.analyzer.results.Scaling;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import dev.clb.hashmap.HashScheme;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Polygon;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardXYItemLabelGenerator;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * N = 2..6 on one load balancer, scaled through {@code /rm} (down to 2) and {@code /add} (one replica at a time);
 * the load per replica and its spread per N.
 */
public final class A2Scaling implements Experiment<A2Result> {
    static final int FROM = 2;
    static final int TO = 6;
    private static final String CHART = "a2-load-vs-n.png";
    private Scaling scaling;

    @Override
    public String id() {
        return "a2";
    }

    @Override
    public String title() {
        return "A-2: load per replica for N = " + FROM + ".." + TO;
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return List.of(settings.primarySetup());
    }

    /** The runs for N = 2..6 of {@code setup}, measured once per session; empty in remote mode when no load balancer runs it. */
    static Optional<Scaling> measure(Session session, Setup setup, String experiment) throws Exception {
        Optional<Scaling> done = session.scalings.get(setup.name());
        if (done != null) return done;
        Optional<Scaling> result = Optional.empty();
        if (session.deployment(setup, FROM).isPresent()) {
            List<RunResult> runs = new ArrayList<>();
            for (int n = FROM; n <= TO; n++) {
                Deployment deployment = session.deployment(setup, n).orElseThrow();
                runs.add(MeasuredRun.measure(session, deployment, experiment + " " + setup.name() + " N=" + n).result());
            }
            result = Optional.of(new Scaling(setup.name(), setup.label(), runs));
        }
        session.scalings.put(setup.name(), result);
        return result;
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        scaling = measure(session, setup, "a2").orElseThrow(() -> new IllegalStateException(Deployments.missing(setup)));
    }

    @Override
    public A2Result result(Session session) {
        if (scaling == null) throw new IllegalStateException("nothing measured");
        return new A2Result(Provenance.of(session.settings()), scaling);
    }

    @Override
    public Class<A2Result> resultType() {
        return A2Result.class;
    }

    @Override
    public void writeTables(A2Result result, ResultFiles files) throws IOException {
        files.csv("a2", RunTable.HEADER, RunTable.rows(result.scaling().runs()));
    }

    /** Mean, min and max requests per replica, and a band of one standard deviation around the mean, per N. */
    @Override
    public void drawCharts(A2Result result, ResultFiles files) throws IOException {
        Scaling scaling = result.scaling();
        XYPlot plot = loadPlot(scaling, "replicas N");
        String sds = scaling.runs().stream().map(r -> String.format("N=%d: %.0f", r.n(), r.stats().sd()))
                .reduce((a, b) -> a + ", " + b).orElse("");
        Charts.save(Charts.chart("A-2: load per replica as N grows, " + Charts.WHOLE.format(scaling.runs().get(0).requests()) + " requests per N, hash "
                + scaling.label(), plot, "standard deviation across replicas: " + sds), files.path(CHART));
    }

    /** The load per replica against N: mean, least and most loaded replica, and mean +/- 1 sd as a band; A-4 puts several side by side. */
    static XYPlot loadPlot(Scaling scaling, String domainLabel) {
        YIntervalSeries band = new YIntervalSeries("mean +/- 1 standard deviation");
        XYSeries mean = new XYSeries("mean (requests / N)");
        XYSeries min = new XYSeries("least loaded replica");
        XYSeries max = new XYSeries("most loaded replica");
        for (RunResult run : scaling.runs()) {
            var s = run.stats();
            band.add(run.n(), s.mean(), Math.max(0, s.mean() - s.sd()), s.mean() + s.sd());
            mean.add(run.n(), s.mean());
            min.add(run.n(), s.min());
            max.add(run.n(), s.max());
        }
        YIntervalSeriesCollection bandData = new YIntervalSeriesCollection();
        bandData.addSeries(band);
        DeviationRenderer bandRenderer = new DeviationRenderer(true, false);
        bandRenderer.setSeriesPaint(0, new Color(0x1f77b4));
        bandRenderer.setSeriesFillPaint(0, new Color(0x9ecae1));
        bandRenderer.setAlpha(0.35f);
        bandRenderer.setSeriesStroke(0, new BasicStroke(0.5f));
        XYSeriesCollection lines = new XYSeriesCollection();
        lines.addSeries(max);
        lines.addSeries(mean);
        lines.addSeries(min);
        XYLineAndShapeRenderer lineRenderer = new XYLineAndShapeRenderer(true, true);
        lineRenderer.setDefaultItemLabelGenerator(new StandardXYItemLabelGenerator("{2}", new DecimalFormat("0"), Charts.WHOLE));
        lineRenderer.setDefaultItemLabelFont(Charts.LABEL);
        Color[] colors = {new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c)};
        Shape[] shapes = {new Rectangle2D.Double(-3.5, -3.5, 7, 7), new Ellipse2D.Double(-3.5, -3.5, 7, 7),
                new Polygon(new int[]{-4, 4, 0}, new int[]{4, 4, -4}, 3)};
        for (int i = 0; i < 3; i++) {
            lineRenderer.setSeriesPaint(i, colors[i]);
            lineRenderer.setSeriesStroke(i, new BasicStroke(2.5f));
            lineRenderer.setSeriesShape(i, shapes[i]);
            lineRenderer.setSeriesItemLabelsVisible(i, true);
        }
        lineRenderer.setSeriesPositiveItemLabelPosition(2, new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        XYPlot plot = new XYPlot(lines, Charts.integerAxis(domainLabel), Charts.axis("requests per replica"), lineRenderer);
        plot.setDataset(1, bandData);
        plot.setRenderer(1, bandRenderer);
        return plot;
    }

    @Override
    public void writeSection(A2Result result, Markdown md) {
        Scaling scaling = result.scaling();
        md.heading(2, "A-2: N = " + scaling.runs().get(0).n() + ".." + scaling.runs().get(scaling.runs().size() - 1).n()
                + " (" + scaling.label() + ")");
        md.paragraph(ReportText.measured(result.provenance()) + " One load balancer served all runs: brought to N = " + scaling.runs().get(0).n()
                + " (started so, or through `DELETE /rm` of the newest replicas), then scaled up through `POST /add`, one replica "
                + "at a time, between the runs.");
        md.image("A-2: load per replica as N grows", CHART);
        md.table(List.of("N", "mean", "min", "max", "standard deviation", "sd / mean", "measured split", "expected split", "matches"),
                scaling.runs().stream().map(A2Scaling::spreadRow).toList());
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

    private static List<String> spreadRow(RunResult r) {
        return List.of(String.valueOf(r.n()), String.format(Locale.ROOT, "%.0f", r.stats().mean()), String.valueOf(r.stats().min()),
                String.valueOf(r.stats().max()), String.format(Locale.ROOT, "%.0f", r.stats().sd()), ReportText.pct(r.stats().relativeSd()),
                ReportText.counts(r), ReportText.expected(r), r.check().passed() ? "yes" : "**no**");
    }

    private static String allMatch(List<RunResult> runs) {
        long matching = runs.stream().filter(r -> r.check().passed()).count();
        double minAgreement = runs.stream().filter(r -> r.routingAgreement() != null).mapToDouble(RunResult::routingAgreement).min().orElse(0);
        return String.format(Locale.ROOT, "%d of %d runs match the model's split within sampling error; routing agreement at least %.2f%%; %d requests failed in all.",
                matching, runs.size(), 100 * minAgreement, runs.stream().mapToInt(RunResult::failed).sum());
    }

    private static String share(long count, int total) {
        return ReportText.pct(total == 0 ? 0 : (double) count / total);
    }
}

package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.Markdown;
import dev.clb.analyzer.output.ReportText;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.output.RunTable;
import dev.clb.analyzer.output.SkewExplanation;
import dev.clb.analyzer.results.A4Result;
import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.results.RunResult;
import dev.clb.analyzer.results.Scaling;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.labels.StandardXYItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A-1 with every setup (slots with each hash, ring, maglev, and bounded loads), the model's split beside the
 * measured one; A-2 with each hash of the slot ring. Runs already measured in this session (A-1 and A-2 under
 * {@code all}) are reused. In remote mode only the setups with a load balancer are measured.
 */
public final class A4StrategyComparison implements Experiment<A4Result> {
    /** The setups also measured for N = 2..6: the hash comparison of the slot ring. */
    static final List<Setup> SCALED = List.of(Setup.ASSIGNMENT, Setup.MURMUR, Setup.FNV);
    private static final String BY_SETUP = "a4-requests-per-replica-by-setup.png";
    private static final String MAX_OVER_MEAN = "a4-max-over-mean-by-setup.png";
    private static final String LOAD_BY_HASH = "a4-load-vs-n-by-hash.png";
    private static final String SPREAD_BY_HASH = "a4-spread-by-hash.png";

    private final List<RunResult> homeRuns = new ArrayList<>();
    private final List<Scaling> scalings = new ArrayList<>();
    private final List<String> notMeasured = new ArrayList<>();

    @Override
    public String id() {
        return "a4";
    }

    @Override
    public String title() {
        return "A-4: every strategy, hash and bounded load side by side";
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return Setup.ALL;
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        Optional<Measured> home = A1HomeDistribution.measure(session, setup, "a4");
        if (home.isEmpty()) {
            String why = Deployments.missing(setup);
            notMeasured.add(setup.name() + ": " + why);
            session.out().println("  a4: " + setup.name() + " not measured: " + why);
            return;
        }
        homeRuns.add(home.get().result());
        if (SCALED.contains(setup)) A2Scaling.measure(session, setup, "a4").ifPresent(scalings::add);
    }

    @Override
    public A4Result result(Session session) throws IOException {
        if (homeRuns.isEmpty()) throw new IllegalStateException("no setup could be measured: " + notMeasured);
        var settings = session.settings();
        Optional<A4Result> before = settings.onlySetups().isEmpty() ? Optional.empty() : session.files().read("a4", A4Result.class);
        return new A4Result(Provenance.of(settings),
                Merge.bySetup(settings, homeRuns, before.map(A4Result::homeRuns).orElse(List.of()), RunResult::setup),
                Merge.bySetup(settings, scalings, before.map(A4Result::scalings).orElse(List.of()), Scaling::setup),
                Merge.notMeasured(settings, notMeasured, before.map(A4Result::notMeasured).orElse(List.of())));
    }

    @Override
    public Class<A4Result> resultType() {
        return A4Result.class;
    }

    @Override
    public void writeTables(A4Result result, ResultFiles files) throws IOException {
        List<RunResult> all = Stream.concat(result.homeRuns().stream(), result.scalings().stream().flatMap(s -> s.runs().stream())).toList();
        files.csv("a4", RunTable.HEADER, RunTable.rows(all));
    }

    @Override
    public void drawCharts(A4Result result, ResultFiles files) throws IOException {
        homeCountsBySetup(result.homeRuns(), files.path(BY_SETUP));
        maxOverMeanBySetup(result.homeRuns(), files.path(MAX_OVER_MEAN));
        if (!result.scalings().isEmpty()) {
            loadVersusNByHash(result.scalings(), files.path(LOAD_BY_HASH));
            spreadByHash(result.scalings(), files.path(SPREAD_BY_HASH));
        }
    }

    /**
     * A-1 per setup, grouped: each ring id's requests (bars) and the model's expected count (a dash on each bar),
     * with the even split marked.
     */
    private static void homeCountsBySetup(List<RunResult> runs, Path file) throws IOException {
        DefaultCategoryDataset measured = new DefaultCategoryDataset();
        DefaultCategoryDataset expected = new DefaultCategoryDataset();
        int most = runs.stream().mapToInt(RunResult::n).max().orElse(0);
        for (int k = 0; k < most; k++) {
            for (RunResult run : runs) {
                String category = Charts.setupCategory(run.setup());
                String replica = k < run.replicas().size() ? run.replicas().get(k) : null;
                measured.addValue(replica == null ? null : run.counts().get(replica), "measured, replica " + (k + 1), category);
                expected.addValue(replica == null ? null : run.expected().get(replica), Charts.dashSeries("model (from /ring)", k), category);
            }
        }
        CategoryPlot plot = Charts.barPlot(measured, "setup (strategy / hash, + bounded load factor)", "requests answered");
        plot.getDomainAxis().setTickLabelFont(Charts.LABEL);
        Charts.overlayDashes(plot, expected);
        RunResult first = runs.get(0);
        double even = (double) first.ok() / first.n();
        plot.addRangeMarker(Charts.horizontalMarker(even, "even split " + Charts.WHOLE.format(even)), Layer.FOREGROUND);
        Charts.save(Charts.chart("A-4: " + Charts.WHOLE.format(first.requests()) + " requests to /home per setup, N = " + first.n()
                        + ": measured (bars) and the model (black dashes)", plot,
                "Bars in /rep order. Without bounded loads the bars sit on the dashes; bounded loads move requests off a replica that holds too many in flight."), file);
    }

    /** The busiest replica over the mean per setup, measured and by the model. */
    private static void maxOverMeanBySetup(List<RunResult> runs, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (RunResult run : runs) {
            data.addValue(run.maxOverMean(), "measured (busiest replica's requests / mean)", Charts.setupCategory(run.setup()));
            data.addValue(run.modelMaxOverMean(), "model (largest share in /ring x N)", Charts.setupCategory(run.setup()));
        }
        CategoryPlot plot = Charts.barPlot(data, "setup", "busiest replica / mean (1 = perfectly even)");
        plot.getDomainAxis().setTickLabelFont(Charts.LABEL);
        ((BarRenderer) plot.getRenderer()).setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.00")));
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("0.0"));
        plot.addRangeMarker(Charts.horizontalMarker(1.0, "perfectly even"), Layer.FOREGROUND);
        RunResult first = runs.get(0);
        double noise = 4 * Math.sqrt((1.0 / first.n()) * (1 - 1.0 / first.n()) / first.ok()) * first.n();
        Charts.save(Charts.chart("A-4: how much more than its share the busiest replica gets, per setup (N = " + first.n() + ")", plot,
                String.format("%,d requests per setup; with a perfect model, sampling alone puts the measured value up to about %.2f above the model's (4 sd)",
                        first.requests(), noise)), file);
    }

    /** A-2 per hash, side by side on one requests axis. */
    private static void loadVersusNByHash(List<Scaling> scalings, Path file) throws IOException {
        NumberAxis range = Charts.axis("requests per replica");
        CombinedRangeXYPlot combined = new CombinedRangeXYPlot(range);
        combined.setGap(16);
        for (Scaling scaling : scalings) combined.add(A2Scaling.loadPlot(scaling, "N, " + scaling.label()), 1);
        combined.setFixedLegendItems(((XYPlot) combined.getSubplots().get(0)).getLegendItems());
        Charts.save(Charts.chart("A-4: A-2 with each hash: mean, min, max and mean +/- 1 sd of the load per replica", combined,
                "the closer min and max stay to the mean, the more even the split"), file);
    }

    /** The spread of A-2 per hash, relative to the mean, with what sampling alone would give. */
    private static void spreadByHash(List<Scaling> scalings, Path file) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Scaling scaling : scalings) {
            XYSeries series = new XYSeries(scaling.label());
            scaling.runs().forEach(r -> series.add(r.n(), 100 * r.stats().relativeSd()));
            data.addSeries(series);
        }
        XYSeries noise = new XYSeries("a perfect split: sampling noise only");
        for (RunResult r : scalings.get(0).runs()) {
            double perReplica = (double) r.ok() / r.n();
            noise.add(r.n(), 100 * Math.sqrt(perReplica * (1 - 1.0 / r.n())) / perReplica);
        }
        data.addSeries(noise);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setDefaultItemLabelGenerator(new StandardXYItemLabelGenerator("{2}%", new DecimalFormat("0"), new DecimalFormat("0.0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(Charts.LABEL);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            boolean reference = i == data.getSeriesCount() - 1;
            renderer.setSeriesPaint(i, reference ? Color.GRAY : Charts.colour(i));
            renderer.setSeriesStroke(i, reference ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[]{6f, 6f}, 0f)
                    : new BasicStroke(2.5f));
        }
        XYPlot plot = new XYPlot(data, Charts.integerAxis("replicas N"), Charts.axis("standard deviation of requests per replica, % of the mean"), renderer);
        Charts.save(Charts.chart("A-4: how unevenly each hash spreads the load (lower is better)", plot,
                "standard deviation across replicas divided by the mean (coefficient of variation), per N"), file);
    }

    @Override
    public void writeSection(A4Result result, Markdown md) {
        md.heading(2, "A-4: every strategy side by side");
        md.paragraph(ReportText.measured(result.provenance()) + (result.provenance().remote()
                ? " Each setup ran on the load balancer given for it (`--lb`, `--lb-for`)."
                : " Each setup ran on its own load balancer, started once and shared with A-5 and A-6."));
        result.notMeasured().forEach(why -> md.paragraph("Not measured: " + why));
        md.image("A-4: requests per replica per setup, measured and model", BY_SETUP);
        md.table(List.of("setup", "placement (`/ring`)", "measured split (N = 3)", "model's split", "max / mean measured", "max / mean model",
                "matches the model", "req/s"), result.homeRuns().stream().map(r -> List.of("`" + r.setup() + "`", r.placement(), ReportText.counts(r),
                ReportText.expected(r), ReportText.two(r.maxOverMean()), ReportText.two(r.modelMaxOverMean()), r.check().passed() ? "yes"
                        : r.setup().endsWith("-bounded") ? "no (bounded: by design)" : "**no**", String.format(Locale.ROOT, "%.0f", r.perSecond()))).toList());
        md.image("A-4: busiest replica over the mean per setup", MAX_OVER_MEAN);
        md.paragraph("""
                Without bounded loads a request goes where the placement puts its id, whatever the load, so the measured split
                follows the model to within sampling error. With bounded loads a request skips a replica that already holds more
                than its bound in flight and takes the next in the strategy's fallback order; with an even placement that rarely
                happens under uniform ids, with the assignment's skewed slots it happens all the time, and the split departs from
                the model towards the even one.""");
        if (result.scalings().isEmpty()) return;
        md.heading(3, "The slot ring with each hash, N = 2..6");
        md.image("A-4: A-2 per hash, side by side", LOAD_BY_HASH);
        md.image("A-4: spread per hash", SPREAD_BY_HASH);
        List<String> header = new ArrayList<>(List.of("N"));
        result.scalings().forEach(s -> header.add(s.label() + ": sd / mean (max / mean)"));
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < result.scalings().get(0).runs().size(); i++) {
            List<String> row = new ArrayList<>(List.of(String.valueOf(result.scalings().get(0).runs().get(i).n())));
            for (Scaling s : result.scalings()) {
                RunResult r = s.runs().get(i);
                row.add(String.format(Locale.ROOT, "%s (%.2f)", ReportText.pct(r.stats().relativeSd()), r.maxOverMean()));
            }
            rows.add(row);
        }
        md.table(header, rows);
        md.paragraph("""
                What better functions change: a well-mixed H sends the six-digit ids to every slot about equally, and a well-mixed
                Φ scatters each replica's virtual servers round the whole ring instead of crowding them into one stretch. No arc
                then holds anything like the assignment's four fifths of all ids. Computed from the hash map for N = 3:""");
        SkewExplanation.forHashes(md, 3);
    }

    @Override
    public Optional<String> tradeOff(A4Result result) {
        return Optional.of(String.format(Locale.ROOT, """
                **Balance.** The busiest replica over the mean at N = 3, measured (model): %s. The slot ring's 9 virtual servers per
                replica leave the shares to chance even with a good hash; a ring with many points per replica averages the chance
                out at the cost of memory (one point per replica and vnode); Maglev fills its table so that every replica owns the
                same number of entries, give or take one, so its shares are equal by construction and what remains in the measured
                split is sampling noise.""",
                result.homeRuns().stream().filter(run -> !run.setup().endsWith("-bounded"))
                        .map(run -> String.format(Locale.ROOT, "`%s` %.2f (%.2f)", run.setup(), run.maxOverMean(), run.modelMaxOverMean()))
                        .collect(Collectors.joining(", "))));
    }
}

package dev.clb.analyzer.output;

import dev.clb.analyzer.Setup;
import dev.clb.analyzer.experiments.A5Disruption;
import dev.clb.analyzer.experiments.A6HotKeys;
import dev.clb.analyzer.experiments.A6Result;
import dev.clb.analyzer.experiments.Failover;
import dev.clb.analyzer.experiments.RunResult;
import dev.clb.analyzer.experiments.Scaling;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.NumberFormat;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.labels.StandardXYItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/** The PNG charts, 1100 x 650, drawn headless with JFreeChart: titles, axis labels, values on bars and points. */
public final class Charts {
    static final int WIDTH = 1100;
    static final int HEIGHT = 650;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    private static final Font SUBTITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font AXIS = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Paint[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0xbcbd22)};
    private static final Color FAILED = new Color(0xd62728);
    private static final NumberFormat WHOLE = new DecimalFormat("#,##0");

    private Charts() {
    }

    /** requests each replica answered, beside what the hash map predicts for the share of all 6-digit ids. */
    public static void homeCounts(RunResult run, Path file) throws IOException {
        save(homeCountsChart(run), file);
    }

    static JFreeChart homeCountsChart(RunResult run) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        run.counts().forEach((replica, count) -> data.addValue(count, "measured", replicaLabel(run, replica)));
        run.expected().forEach((replica, expected) -> data.addValue(expected, "expected (the model's share of all 6-digit ids, from /ring)",
                replicaLabel(run, replica)));
        CategoryPlot plot = barPlot(data, "replica (ring id from /ring)", "requests answered");
        return chart("A-1: " + WHOLE.format(run.requests()) + " requests to /home, N = " + run.n() + ", " + run.placement(), plot,
                String.format("%.0f req/s, %d failed; split %s the model's within sampling error (max |z| = %.1f, limit 4)",
                        run.perSecond(), run.failed(), run.check().passed() ? "matches" : "does NOT match", run.check().maxAbsZ()));
    }

    /** mean, min and max requests per replica, and a band of one standard deviation around the mean, per N. */
    public static void loadVersusN(Scaling scaling, Path file) throws IOException {
        XYPlot plot = loadPlot(scaling, "replicas N");
        String sds = scaling.runs().stream().map(r -> String.format("N=%d: %.0f", r.n(), r.stats().sd()))
                .reduce((a, b) -> a + ", " + b).orElse("");
        save(chart("A-2: load per replica as N grows, " + WHOLE.format(scaling.runs().get(0).requests()) + " requests per N, hash "
                + scaling.label(), plot, "standard deviation across replicas: " + sds), file);
    }

    /** requests answered per replica per interval, failures, and the kill, detection and recovery marked. */
    public static void failoverTimeline(Failover failover, Path file) throws IOException {
        save(failoverTimelineChart(failover), file);
    }

    static JFreeChart failoverTimelineChart(Failover failover) {
        XYSeriesCollection data = new XYSeriesCollection();
        double bin = failover.binMillis() / 1000.0;
        failover.timeline().forEach((replica, counts) -> data.addSeries(series(replica + (replica.equals(failover.victim()) ? " (killed)"
                : failover.replacements().contains(replica) ? " (replacement)" : ""), counts, bin)));
        data.addSeries(series("failed requests", failover.failedTimeline(), bin));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, i == data.getSeriesCount() - 1 ? FAILED : PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesShape(i, new java.awt.geom.Ellipse2D.Double(-2.5, -2.5, 5, 5));
        }
        NumberAxis time = axis("seconds since the traffic started");
        time.setNumberFormatOverride(new DecimalFormat("0.0"));
        XYPlot plot = new XYPlot(data, time, axis("requests answered per " + failover.binMillis() + " ms"), renderer);
        String subtitle;
        if (failover.killAtSeconds() != null) {
            double kill = failover.killAtSeconds();
            plot.addDomainMarker(marker(kill, "kill -9 " + failover.victim(), FAILED, 8), Layer.FOREGROUND);
            if (failover.detectedAfterMs() != null) {
                plot.addDomainMarker(marker(kill + failover.detectedAfterMs() / 1000, String.format("gone from /rep +%.0f ms",
                        failover.detectedAfterMs()), new Color(0xff7f0e), 28), Layer.FOREGROUND);
            }
            if (failover.servingAgainAfterMs() != null) {
                plot.addDomainMarker(marker(kill + failover.servingAgainAfterMs() / 1000, String.format("replacement answered +%.0f ms",
                        failover.servingAgainAfterMs()), new Color(0x2ca02c), 48), Layer.FOREGROUND);
            }
            subtitle = String.format("%,d requests at %.0f req/s; %d failed. Requests for the killed replica's slots go to the next "
                    + "replica clockwise until its replacement takes over its ring id.", failover.requests(), failover.perSecond(), failover.failed());
        } else {
            subtitle = failover.skipped();
        }
        return chart("A-3: a replica killed under steady traffic (N = " + failover.replicasBefore().size() + ")", plot, subtitle);
    }

    /**
     * A-1 per setup, grouped: each ring id's requests (bars) and the model's expected count (a dash on each bar),
     * with the even split marked.
     */
    public static void homeCountsBySetup(List<RunResult> runs, Path file) throws IOException {
        DefaultCategoryDataset measured = new DefaultCategoryDataset();
        DefaultCategoryDataset expected = new DefaultCategoryDataset();
        int most = runs.stream().mapToInt(RunResult::n).max().orElse(0);
        for (int k = 0; k < most; k++) {
            for (RunResult run : runs) {
                String category = setupCategory(run.setup());
                String replica = k < run.replicas().size() ? run.replicas().get(k) : null;
                measured.addValue(replica == null ? null : run.counts().get(replica), "measured, replica " + (k + 1), category);
                expected.addValue(replica == null ? null : run.expected().get(replica), dashSeries("model (from /ring)", k), category);
            }
        }
        CategoryPlot plot = barPlot(measured, "setup (strategy / hash, + bounded load factor)", "requests answered");
        plot.getDomainAxis().setTickLabelFont(LABEL);
        overlayDashes(plot, expected);
        RunResult first = runs.get(0);
        double even = (double) first.ok() / first.n();
        plot.addRangeMarker(horizontalMarker(even, "even split " + WHOLE.format(even)), Layer.FOREGROUND);
        save(chart("A-4: " + WHOLE.format(first.requests()) + " requests to /home per setup, N = " + first.n()
                        + ": measured (bars) and the model (black dashes)", plot,
                "Bars in /rep order. Without bounded loads the bars sit on the dashes; bounded loads move requests off a replica that holds too many in flight."), file);
    }

    /** the busiest replica over the mean per setup, measured and by the model. */
    public static void maxOverMeanBySetup(List<RunResult> runs, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (RunResult run : runs) {
            data.addValue(run.maxOverMean(), "measured (busiest replica's requests / mean)", setupCategory(run.setup()));
            data.addValue(run.modelMaxOverMean(), "model (largest share in /ring x N)", setupCategory(run.setup()));
        }
        CategoryPlot plot = barPlot(data, "setup", "busiest replica / mean (1 = perfectly even)");
        plot.getDomainAxis().setTickLabelFont(LABEL);
        ((BarRenderer) plot.getRenderer()).setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.00")));
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("0.0"));
        plot.addRangeMarker(horizontalMarker(1.0, "perfectly even"), Layer.FOREGROUND);
        RunResult first = runs.get(0);
        double noise = 4 * Math.sqrt((1.0 / first.n()) * (1 - 1.0 / first.n()) / first.ok()) * first.n();
        save(chart("A-4: how much more than its share the busiest replica gets, per setup (N = " + first.n() + ")", plot,
                String.format("%,d requests per setup; with a perfect model, sampling alone puts the measured value up to about %.2f above the model's (4 sd)",
                        first.requests(), noise)), file);
    }

    /** A-2 per hash, side by side on one requests axis. */
    public static void loadVersusNByHash(List<Scaling> scalings, Path file) throws IOException {
        NumberAxis range = axis("requests per replica");
        CombinedRangeXYPlot combined = new CombinedRangeXYPlot(range);
        combined.setGap(16);
        for (Scaling scaling : scalings) combined.add(loadPlot(scaling, "N, " + scaling.label()), 1);
        combined.setFixedLegendItems(((XYPlot) combined.getSubplots().get(0)).getLegendItems());
        save(chart("A-4: A-2 with each hash: mean, min, max and mean +/- 1 sd of the load per replica", combined,
                "the closer min and max stay to the mean, the more even the split"), file);
    }

    /** the spread of A-2 per hash, relative to the mean, with what sampling alone would give. */
    public static void spreadByHash(List<Scaling> scalings, Path file) throws IOException {
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
        renderer.setDefaultItemLabelFont(LABEL);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            boolean reference = i == data.getSeriesCount() - 1;
            renderer.setSeriesPaint(i, reference ? Color.GRAY : PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, reference ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[]{6f, 6f}, 0f)
                    : new BasicStroke(2.5f));
        }
        XYPlot plot = new XYPlot(data, integerAxis("replicas N"), axis("standard deviation of requests per replica, % of the mean"), renderer);
        save(chart("A-4: how unevenly each hash spreads the load (lower is better)", plot,
                "standard deviation across replicas divided by the mean (coefficient of variation), per N"), file);
    }

    private static XYPlot loadPlot(Scaling scaling, String domainLabel) {
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
        lineRenderer.setDefaultItemLabelGenerator(new StandardXYItemLabelGenerator("{2}", new DecimalFormat("0"), WHOLE));
        lineRenderer.setDefaultItemLabelFont(LABEL);
        Color[] colors = {new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c)};
        java.awt.Shape[] shapes = {new java.awt.geom.Rectangle2D.Double(-3.5, -3.5, 7, 7), new java.awt.geom.Ellipse2D.Double(-3.5, -3.5, 7, 7),
                new java.awt.Polygon(new int[]{-4, 4, 0}, new int[]{4, 4, -4}, 3)};
        for (int i = 0; i < 3; i++) {
            lineRenderer.setSeriesPaint(i, colors[i]);
            lineRenderer.setSeriesStroke(i, new BasicStroke(2.5f));
            lineRenderer.setSeriesShape(i, shapes[i]);
            lineRenderer.setSeriesItemLabelsVisible(i, true);
        }
        lineRenderer.setSeriesPositiveItemLabelPosition(2, new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        XYPlot plot = new XYPlot(lines, integerAxis(domainLabel), axis("requests per replica"), lineRenderer);
        plot.setDataset(1, bandData);
        plot.setRenderer(1, bandRenderer);
        return plot;
    }

    private static CategoryPlot barPlot(DefaultCategoryDataset data, String categoryLabel, String valueLabel) {
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", WHOLE));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(LABEL);
        for (int i = 0; i < data.getRowCount(); i++) renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        CategoryAxis categories = new CategoryAxis(categoryLabel);
        // eight setups side by side: a long name wraps instead of ending in "..."
        categories.setMaximumCategoryLabelLines(3);
        categories.setLabelFont(AXIS);
        categories.setTickLabelFont(AXIS);
        NumberAxis values = axis(valueLabel);
        values.setUpperMargin(0.12);
        CategoryPlot plot = new CategoryPlot(data, categories, values, renderer);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    /** the fraction of requests that changed replica per setup and change, with the ideal and this placement's minimum. */
    public static void disruption(List<A5Disruption.Disruption> disruptions, Path file) throws IOException {
        DefaultCategoryDataset moved = new DefaultCategoryDataset();
        DefaultCategoryDataset minimum = new DefaultCategoryDataset();
        for (A5Disruption.Disruption d : disruptions) {
            for (A5Disruption.Change c : d.changes()) {
                String series = switch (c.kind()) {
                    case "add" -> "add a 4th replica (ideal 1/4)";
                    case "remove" -> "remove 1 of 3 (ideal 1/3)";
                    default -> "replace a killed one (ideal 0)";
                };
                moved.addValue(100 * c.moves().fraction(), series, d.label());
                minimum.addValue(100 * c.minimum(), dashSeries("this placement's minimum: what the added replica took, what the removed one held",
                        moved.getRowIndex(series)), d.label());
            }
        }
        CategoryPlot plot = barPlot(moved, "setup", "requests that changed replica, % of the same ids sent before");
        ((BarRenderer) plot.getRenderer()).setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}%", new DecimalFormat("0.0")));
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("0"));
        overlayDashes(plot, minimum);
        plot.addRangeMarker(horizontalMarker(100.0 / 4, "1/4"), Layer.FOREGROUND);
        plot.addRangeMarker(horizontalMarker(100.0 / 3, "1/3"), Layer.FOREGROUND);
        String stayers = disruptions.stream().map(d -> d.label() + " " + d.changes().stream().filter(c -> !c.kind().equals("replace"))
                .mapToInt(c -> c.moves().movedBetweenStayers()).sum()).reduce((a, b) -> a + ", " + b).orElse("");
        save(chart("A-5: requests that changed replica when one was added, removed or replaced (N = 3)", plot,
                "moved between two replicas that both stayed (add + remove): " + stayers), file);
    }

    /** the busiest replica's share of the requests in flight and of those completed, per setup. */
    public static void hotKeyShares(A6Result result, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (A6HotKeys.HotKeys h : result.results()) {
            data.addValue(100 * h.busiestInFlightShare(), "busiest replica's share of requests in flight (time-averaged)", h.label());
            data.addValue(100 * h.busiestCompletedShare(), "busiest replica's share of requests completed", h.label());
        }
        CategoryPlot plot = barPlot(data, "setup", "% of all requests");
        plot.getDomainAxis().setTickLabelFont(LABEL);
        ((BarRenderer) plot.getRenderer()).setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}%", new DecimalFormat("0.0")));
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("0"));
        A6HotKeys.HotKeys first = result.results().get(0);
        plot.addRangeMarker(horizontalMarker(100.0 / first.n(), "even: 1/" + first.n()), Layer.FOREGROUND);
        result.results().stream().filter(h -> h.boundShare() > 0).findFirst().ifPresent(h -> plot.addRangeMarker(horizontalMarker(100 * h.boundShare(),
                String.format("bound: ceil(%.2f x (%d + 1) / %d) = %d of %d in flight", Setup.BOUNDED, h.concurrency(), h.n(),
                        Math.round(h.boundShare() * h.concurrency()), h.concurrency())), Layer.FOREGROUND));
        save(chart(String.format("A-6: hot keys: Zipf s = %.1f over %,d keys, %d in flight, replicas hold each request %d ms (N = %d)",
                result.exponent(), result.keys(), first.concurrency(), result.delayMs(), first.n()), plot,
                String.format("%,d requests per setup; the hottest key alone is %.1f%% of them", first.requests(), 100 * first.hottestKeyShare())), file);
    }

    /** latency percentiles per setup. */
    public static void hotKeyLatencies(A6Result result, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (A6HotKeys.HotKeys h : result.results()) {
            data.addValue(h.latencies().p50(), "p50", h.label());
            data.addValue(h.latencies().p99(), "p99", h.label());
            data.addValue(h.latencies().max(), "max", h.label());
        }
        CategoryPlot plot = barPlot(data, "setup", "latency seen by the client, ms");
        plot.getDomainAxis().setTickLabelFont(LABEL);
        ((BarRenderer) plot.getRenderer()).setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.0")));
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("0"));
        plot.addRangeMarker(horizontalMarker(result.delayMs(), "the replica's own hold: " + result.delayMs() + " ms"), Layer.FOREGROUND);
        A6HotKeys.HotKeys first = result.results().get(0);
        save(chart("A-6: latency under hot keys per setup (" + first.concurrency() + " in flight, N = " + first.n() + ")", plot,
                "from the client handing a request to the connection until its answer; a replica holding more requests in flight queues them"), file);
    }

    /**
     * A black dash on each bar of {@code plot}: series k of {@code dashes} on bar series k (same offsets as the bars);
     * the legend shows the first series only.
     */
    private static void overlayDashes(CategoryPlot plot, DefaultCategoryDataset dashes) {
        LineAndShapeRenderer renderer = new LineAndShapeRenderer(false, true);
        renderer.setUseSeriesOffset(true);
        renderer.setItemMargin(((BarRenderer) plot.getRenderer()).getItemMargin());
        for (int k = 0; k < dashes.getRowCount(); k++) {
            renderer.setSeriesShape(k, new java.awt.geom.Rectangle2D.Double(-12, -2, 24, 4));
            renderer.setSeriesPaint(k, Color.BLACK);
            renderer.setSeriesVisibleInLegend(k, k == 0);
        }
        plot.setDataset(1, dashes);
        plot.setRenderer(1, renderer);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
    }

    /** Series keys must differ; trailing spaces keep the legend text the same. */
    private static String dashSeries(String legend, int k) {
        return legend + " ".repeat(k);
    }

    private static String replicaLabel(RunResult run, String replica) {
        Integer ringId = run.ringIds().get(replica);
        return ringId == null ? replica + " (not listed)" : replica + " (ring id " + ringId + ")";
    }

    /** A setup's name as a category, short enough for eight side by side. */
    private static String setupCategory(String setup) {
        return setup.replace("-bounded", " +bounded");
    }

    private static XYSeries series(String name, List<Integer> counts, double binSeconds) {
        XYSeries series = new XYSeries(name);
        for (int i = 0; i < counts.size(); i++) series.add(i * binSeconds + binSeconds / 2, counts.get(i));
        return series;
    }

    private static ValueMarker marker(double x, String label, Color color, double labelTop) {
        ValueMarker marker = new ValueMarker(x, color, new BasicStroke(2f));
        marker.setLabel(label);
        marker.setLabelFont(LABEL);
        marker.setLabelPaint(color.darker());
        marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
        marker.setLabelOffset(new RectangleInsets(labelTop, 4, 0, 0));
        marker.setLabelBackgroundColor(new Color(255, 255, 255, 220));
        return marker;
    }

    private static ValueMarker horizontalMarker(double y, String label) {
        ValueMarker marker = new ValueMarker(y, Color.DARK_GRAY, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f,
                new float[]{6f, 6f}, 0f));
        marker.setLabel(label);
        marker.setLabelFont(LABEL);
        marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        marker.setLabelOffset(new RectangleInsets(2, 4, 2, 4));
        marker.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        return marker;
    }

    private static NumberAxis axis(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setLabelFont(AXIS);
        axis.setTickLabelFont(LABEL);
        axis.setNumberFormatOverride(WHOLE);
        return axis;
    }

    private static NumberAxis integerAxis(String label) {
        NumberAxis axis = axis(label);
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        axis.setAutoRangeIncludesZero(false);
        axis.setLowerMargin(0.08);
        axis.setUpperMargin(0.15);
        return axis;
    }

    private static JFreeChart chart(String title, Plot plot, String subtitle) {
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(new TextTitle(subtitle, SUBTITLE));
        chart.getLegend().setItemFont(LABEL);
        plot.setBackgroundPaint(Color.WHITE);
        if (plot instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(Color.LIGHT_GRAY);
            xy.setRangeGridlinePaint(Color.LIGHT_GRAY);
        }
        if (plot instanceof CombinedRangeXYPlot combined) {
            for (Object sub : combined.getSubplots()) {
                ((XYPlot) sub).setBackgroundPaint(Color.WHITE);
                ((XYPlot) sub).setDomainGridlinePaint(Color.LIGHT_GRAY);
                ((XYPlot) sub).setRangeGridlinePaint(Color.LIGHT_GRAY);
            }
        }
        return chart;
    }

    static void save(JFreeChart chart, Path file) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }
}

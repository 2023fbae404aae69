package dev.clb.analyzer.output;

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
        run.counts().forEach((replica, count) -> data.addValue(count, "measured", replica));
        run.expected().forEach((replica, expected) -> data.addValue(expected, "expected (hash map, share of all 6-digit ids)", replica));
        CategoryPlot plot = barPlot(data, "replica (in the order /rep lists them: ring ids 1, 2, 3)", "requests answered");
        return chart("A-1: " + WHOLE.format(run.requests()) + " requests to /home, N = " + run.n() + ", hash " + run.hash(), plot,
                String.format("%.0f req/s, %d failed; split %s the hash map's within sampling error (max |z| = %.1f, limit 4)",
                        run.perSecond(), run.failed(), run.check().passed() ? "matches" : "does NOT match", run.check().maxAbsZ()));
    }

    /** mean, min and max requests per replica, and a band of one standard deviation around the mean, per N. */
    public static void loadVersusN(Scaling scaling, Path file) throws IOException {
        XYPlot plot = loadPlot(scaling, "replicas N");
        String sds = scaling.runs().stream().map(r -> String.format("N=%d: %.0f", r.n(), r.stats().sd()))
                .reduce((a, b) -> a + ", " + b).orElse("");
        save(chart("A-2: load per replica as N grows, " + WHOLE.format(scaling.runs().get(0).requests()) + " requests per N, hash "
                + scaling.hash(), plot, "standard deviation across replicas: " + sds), file);
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

    /** A-1 per hash, grouped: the k-th replica's requests for each hash, and the even split. */
    public static void homeCountsByHash(List<RunResult> runs, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (RunResult run : runs) {
            for (int k = 0; k < run.replicas().size(); k++) {
                data.addValue(run.counts().get(run.replicas().get(k)), replicaKey(runs, k), run.hash());
            }
        }
        CategoryPlot plot = barPlot(data, "hash functions (H for requests, Phi for virtual servers)", "requests answered");
        RunResult first = runs.get(0);
        double even = (double) first.ok() / first.n();
        plot.addRangeMarker(horizontalMarker(even, "even split " + WHOLE.format(even)), Layer.FOREGROUND);
        save(chart("A-4: A-1 with each hash: " + WHOLE.format(first.requests()) + " requests to /home, N = " + first.n(), plot,
                "max/mean per hash: " + runs.stream().map(r -> String.format("%s %.2f", r.hash(), r.stats().max() / r.stats().mean()))
                        .reduce((a, b) -> a + ", " + b).orElse("")), file);
    }

    /** A-2 per hash, side by side on one requests axis. */
    public static void loadVersusNByHash(List<Scaling> scalings, Path file) throws IOException {
        NumberAxis range = axis("requests per replica");
        CombinedRangeXYPlot combined = new CombinedRangeXYPlot(range);
        combined.setGap(16);
        for (Scaling scaling : scalings) combined.add(loadPlot(scaling, "N, hash " + scaling.hash()), 1);
        combined.setFixedLegendItems(((XYPlot) combined.getSubplots().get(0)).getLegendItems());
        save(chart("A-4: A-2 with each hash: mean, min, max and mean +/- 1 sd of the load per replica", combined,
                "the closer min and max stay to the mean, the more even the split"), file);
    }

    /** the spread of A-2 per hash, relative to the mean, with what sampling alone would give. */
    public static void spreadByHash(List<Scaling> scalings, Path file) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Scaling scaling : scalings) {
            XYSeries series = new XYSeries("hash " + scaling.hash());
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
        categories.setLabelFont(AXIS);
        categories.setTickLabelFont(AXIS);
        NumberAxis values = axis(valueLabel);
        values.setUpperMargin(0.12);
        CategoryPlot plot = new CategoryPlot(data, categories, values, renderer);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    private static String replicaKey(List<RunResult> runs, int k) {
        String name = runs.get(0).replicas().get(k);
        boolean same = runs.stream().allMatch(r -> r.replicas().size() > k && r.replicas().get(k).equals(name));
        return same ? name + " (ring id " + (k + 1) + ")" : "ring id " + (k + 1);
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

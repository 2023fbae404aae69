package dev.clb.analyzer.output;

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
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;

/**
 * How the experiments' PNG charts look, 1100 x 650, drawn headless with JFreeChart: titles, axes, values on bars and
 * points, markers; each experiment draws its own charts with these.
 */
public final class Charts {
    public static final int WIDTH = 1100;
    public static final int HEIGHT = 650;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    private static final Font SUBTITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    public static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font AXIS = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Paint[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0xbcbd22)};
    /** Failures, and the kill that caused them. */
    public static final Color FAILED = new Color(0xd62728);
    public static final NumberFormat WHOLE = new DecimalFormat("#,##0");

    private Charts() {
    }

    /** The colour of series {@code i}. */
    public static Paint colour(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /** Bars with their values on them, one colour per series. */
    public static CategoryPlot barPlot(DefaultCategoryDataset data, String categoryLabel, String valueLabel) {
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", WHOLE));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(LABEL);
        for (int i = 0; i < data.getRowCount(); i++) renderer.setSeriesPaint(i, colour(i));
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

    /**
     * A black dash on each bar of {@code plot}: series k of {@code dashes} on bar series k (same offsets as the bars);
     * the legend shows the first series only.
     */
    public static void overlayDashes(CategoryPlot plot, DefaultCategoryDataset dashes) {
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
    public static String dashSeries(String legend, int k) {
        return legend + " ".repeat(k);
    }

    /** A setup's name as a category, short enough for eight side by side. */
    public static String setupCategory(String setup) {
        return setup.replace("-bounded", " +bounded");
    }

    /** {@code counts} per interval of {@code binSeconds}, each at its interval's centre. */
    public static XYSeries series(String name, List<Integer> counts, double binSeconds) {
        XYSeries series = new XYSeries(name);
        for (int i = 0; i < counts.size(); i++) series.add(i * binSeconds + binSeconds / 2, counts.get(i));
        return series;
    }

    /** A vertical line at {@code x}, labelled at {@code labelTop} pixels from the top. */
    public static ValueMarker marker(double x, String label, Color color, double labelTop) {
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

    /** A dashed horizontal line at {@code y}. */
    public static ValueMarker horizontalMarker(double y, String label) {
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

    public static NumberAxis axis(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setLabelFont(AXIS);
        axis.setTickLabelFont(LABEL);
        axis.setNumberFormatOverride(WHOLE);
        return axis;
    }

    public static NumberAxis integerAxis(String label) {
        NumberAxis axis = axis(label);
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        axis.setAutoRangeIncludesZero(false);
        axis.setLowerMargin(0.08);
        axis.setUpperMargin(0.15);
        return axis;
    }

    /** A chart on white with its title, legend and one subtitle. */
    public static JFreeChart chart(String title, Plot plot, String subtitle) {
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

    public static void save(JFreeChart chart, Path file) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }
}

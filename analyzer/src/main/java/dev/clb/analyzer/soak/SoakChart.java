package dev.clb.analyzer.soak;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws {@code scripts/soak.sh}'s samples of the load balancer's process: heap after GC, RSS, threads and open file
 * descriptors against time, one panel each, with the replica kills marked.
 *
 * <p>Usage: {@code java -cp analyzer.jar dev.clb.analyzer.soak.SoakChart soak.csv soak.png [title]}; the CSV has
 * the header {@code seconds,heap_after_gc_kb,rss_kb,threads,fds,kills}.
 */
public final class SoakChart {
    private static final String[] PANELS = {"heap after GC (MiB)", "RSS (MiB)", "threads", "open fds"};
    private static final double[] SCALE = {1024, 1024, 1, 1};

    private SoakChart() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: SoakChart soak.csv soak.png [title]");
            System.exit(2);
        }
        List<String[]> rows = Files.readAllLines(Path.of(args[0])).stream().skip(1).filter(l -> !l.isBlank()).map(l -> l.split(",")).toList();
        NumberAxis time = new NumberAxis("seconds since the load started");
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(time);
        plot.setGap(12);
        for (int panel = 0; panel < PANELS.length; panel++) {
            XYSeries series = new XYSeries(PANELS[panel]);
            for (String[] row : rows) series.add(Double.parseDouble(row[0]), Double.parseDouble(row[panel + 1]) / SCALE[panel]);
            NumberAxis axis = new NumberAxis(PANELS[panel]);
            axis.setAutoRangeIncludesZero(true);
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
            renderer.setSeriesPaint(0, new Color(0x1f77b4));
            XYPlot sub = new XYPlot(new XYSeriesCollection(series), null, axis, renderer);
            sub.setBackgroundPaint(Color.WHITE);
            sub.setRangeGridlinePaint(Color.LIGHT_GRAY);
            int killsBefore = 0;
            for (String[] row : rows) {
                int kills = Integer.parseInt(row[5].trim());
                if (kills > killsBefore) {
                    ValueMarker kill = new ValueMarker(Double.parseDouble(row[0]), new Color(0xd62728), new BasicStroke(1f,
                            BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {4f, 4f}, 0f));
                    sub.addDomainMarker(kill);
                    killsBefore = kills;
                }
            }
            plot.add(sub, 1);
        }
        String title = args.length > 2 ? args[2] : "Soak: the load balancer's process under load, a replica killed every minute";
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(Path.of(args[1]).toFile(), chart, 1100, 900);
    }
}

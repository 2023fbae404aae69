package dev.clb.analyzer.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.results.A6Result;
import dev.clb.analyzer.results.Change;
import dev.clb.analyzer.results.Disruption;
import dev.clb.analyzer.results.Failover;
import dev.clb.analyzer.results.HotKeys;
import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.results.RunResult;
import dev.clb.analyzer.stats.ExpectedSplit;
import dev.clb.analyzer.stats.Latencies;
import dev.clb.analyzer.stats.Moves;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.hashmap.HashScheme;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the experiments' charts show: the values in the datasets they draw, and the bars and lines in the PNG they write. */
class ChartsTest {
    private static final int BLUE = 0x1f77b4, ORANGE = 0xff7f0e, GREEN = 0x2ca02c;
    private static final List<String> REPLICAS = List.of("server-1", "server-2", "server-3");

    @TempDir
    Path dir;

    private static RunResult a1Run() {
        var ring = ExpectedSplit.ring(HashScheme.ASSIGNMENT, REPLICAS);
        List<Outcome> outcomes = new ArrayList<>();
        for (long id : RequestIds.generate(42, 10_000)) outcomes.add(new Outcome(id, 0, 1, 200, ring.lookup(id).name(), null));
        RingView fresh = new RingView("slots", "assignment", null, 512, 9, null, "linear", List.of(
                new RingView.Replica("server-1", 1, 1, 0.84375, null), new RingView.Replica("server-2", 2, 1, 0.046875, null),
                new RingView.Replica("server-3", 3, 1, 0.109375, null)));
        return RunResult.of("a1", "assignment", fresh, new TrafficResult(outcomes, 2_000_000_000L));
    }

    private BufferedImage render(JFreeChart chart, String name) throws Exception {
        Path png = dir.resolve(name);
        Charts.save(chart, png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
        return image;
    }

    private static boolean near(int rgb, int colour) {
        int dr = Math.abs(((rgb >> 16) & 0xff) - ((colour >> 16) & 0xff)), dg = Math.abs(((rgb >> 8) & 0xff) - ((colour >> 8) & 0xff)),
                db = Math.abs((rgb & 0xff) - (colour & 0xff));
        return dr + dg + db < 30;
    }

    /** Heights in pixels of the bars filled with {@code colour}, left to right: runs of such columns wider than a legend swatch. */
    private static List<Integer> barHeights(BufferedImage image, int colour) {
        List<Integer> heights = new ArrayList<>();
        int x = 0;
        while (x < image.getWidth()) {
            int start = x;
            while (x < image.getWidth() && columnHeight(image, x, colour) > 0) x++;
            if (x - start >= 20) heights.add(columnHeight(image, (start + x) / 2, colour));
            x++;
        }
        return heights;
    }

    private static int columnHeight(BufferedImage image, int x, int colour) {
        int longest = 0, run = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            run = near(image.getRGB(x, y), colour) ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    /** The highest point (smallest y) in {@code colour} between columns {@code fromX} and {@code toX}; the image height when none. */
    private static int top(BufferedImage image, int colour, int fromX, int toX) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = fromX; x < toX; x++) {
                if (near(image.getRGB(x, y), colour)) return y;
            }
        }
        return image.getHeight();
    }

    @Test
    void a1ShowsTheMeasuredAndExpectedCountsAsBarsOfProportionalHeight() throws Exception {
        RunResult run = a1Run();
        JFreeChart chart = A1HomeDistribution.chart(run);
        CategoryDataset data = ((CategoryPlot) chart.getPlot()).getDataset();
        List<String> labels = List.of("server-1 (ring id 1)", "server-2 (ring id 2)", "server-3 (ring id 3)");
        assertThat(data.getColumnKeys()).containsExactlyElementsOf(labels);
        for (int i = 0; i < REPLICAS.size(); i++) {
            String replica = REPLICAS.get(i);
            assertThat(data.getValue("measured", labels.get(i)).longValue()).isEqualTo(run.counts().get(replica));
            assertThat(data.getValue("expected (the model's share of all 6-digit ids, from /ring)", labels.get(i)).doubleValue())
                    .isEqualTo(run.expected().get(replica));
        }
        assertThat(chart.getTitle().getText()).isEqualTo("A-1: 10,000 requests to /home, N = 3, " + run.placement());

        BufferedImage image = render(chart, "a1.png");
        List<Integer> measured = barHeights(image, BLUE), expected = barHeights(image, ORANGE);
        assertThat(measured).as("one blue bar per replica").hasSize(3);
        assertThat(expected).as("one orange bar per replica").hasSize(3);
        long most = run.counts().get("server-1");
        for (int k = 0; k < 3; k++) {
            double share = (double) run.counts().get(REPLICAS.get(k)) / most;
            assertThat((double) measured.get(k) / measured.get(0)).as("bar %d against the tallest", k).isCloseTo(share, within(0.02));
            assertThat((double) expected.get(k) / measured.get(0)).isCloseTo(run.expected().get(REPLICAS.get(k)) / most, within(0.02));
        }
        assertThat(measured.get(0)).as("the tallest bar fills most of the plot").isGreaterThan(300);
    }

    @Test
    void failoverTimelineDrawsEachReplicasRequestsOverTime() throws Exception {
        Map<String, List<Integer>> timeline = new LinkedHashMap<>();
        timeline.put("server-1", List.of(80, 80, 10, 0, 0));
        timeline.put("server-2", List.of(5, 5, 60, 5, 5));
        timeline.put("replica-ab12c", List.of(0, 0, 5, 80, 80));
        Failover failover = new Failover(null, "server-1", List.of("server-1", "server-2"), List.of("server-2", "replica-ab12c"),
                List.of("replica-ab12c"), 500, 1000, 0.2, 30.0, 45.0, 0, 0, null, Map.of(), 100, timeline, List.of(0, 0, 1, 0, 0));
        JFreeChart chart = A3Failover.timelineChart(failover);
        XYDataset data = ((XYPlot) chart.getPlot()).getDataset();
        assertThat(data.getSeriesCount()).isEqualTo(4);
        List<String> names = new ArrayList<>();
        for (int s = 0; s < 4; s++) names.add(data.getSeriesKey(s).toString());
        assertThat(names).containsExactly("server-1 (killed)", "server-2", "replica-ab12c (replacement)", "failed requests");
        List<List<Integer>> expected = List.of(timeline.get("server-1"), timeline.get("server-2"), timeline.get("replica-ab12c"), List.of(0, 0, 1, 0, 0));
        for (int s = 0; s < 4; s++) {
            assertThat(data.getItemCount(s)).isEqualTo(5);
            for (int i = 0; i < 5; i++) {
                assertThat(data.getXValue(s, i)).as("bin %d centre, s", i).isCloseTo(0.05 + 0.1 * i, within(1e-9));
                assertThat(data.getYValue(s, i)).as("%s bin %d", names.get(s), i).isEqualTo(expected.get(s).get(i).doubleValue());
            }
        }
        assertThat(((XYPlot) chart.getPlot()).getDomainMarkers(org.jfree.chart.ui.Layer.FOREGROUND)).hasSize(3);

        BufferedImage image = render(chart, "a3.png");
        int quarter = image.getWidth() / 4;
        int left = 0, right = image.getWidth() - quarter;
        assertThat(top(image, BLUE, left, left + quarter)).as("the killed replica is high before the kill")
                .isLessThan(top(image, BLUE, right, image.getWidth()) - 100);
        assertThat(top(image, GREEN, right, image.getWidth())).as("its replacement is high after it")
                .isLessThan(top(image, GREEN, left, left + quarter) - 100);
    }

    @Test
    void disruptionAndHotKeyChartsAreReadablePngs() throws Exception {
        var changes = List.of(new Change("replace", "kill -9 server-1", new Moves(1000, 0, 0), 0, 0, 0),
                new Change("add", "added a5-added", new Moves(1000, 260, 2), 0.25, 0.258, 0),
                new Change("remove", "removed server-2", new Moves(1000, 330, 1), 1 / 3.0, 0.329, 0));
        Path a5 = dir.resolve("a5.png");
        A5Disruption.chart(List.of(new Disruption("maglev", "maglev", "maglev (table 65537)", "maglev", changes),
                new Disruption("ring", "ring", "ring (160 points per replica)", "ring", changes)), a5);
        assertThat(ImageIO.read(a5.toFile())).isNotNull();

        var hot = new HotKeys("maglev-bounded", "maglev + bounded 1.25", "maglev", 3, 64, 1000, 1000, 0, 1, 1000, 0.18,
                28 / 64.0, Map.of("a", 400L, "b", 300L, "c", 300L), Map.of("a", 25.0, "b", 20.0, "c", 19.0), Map.of("a", 28, "b", 25, "c", 24),
                0.4, 25 / 64.0, new Latencies(6, 20, 40), null);
        A6Result result = new A6Result(new Provenance("now", false, "local", 42, 1000, 64, 0), 1000, 1.1, 5, List.of(hot), List.of());
        Path shares = dir.resolve("a6-shares.png");
        Path latency = dir.resolve("a6-latency.png");
        A6HotKeys.sharesChart(result, shares);
        A6HotKeys.latencyChart(result, latency);
        assertThat(ImageIO.read(shares.toFile())).isNotNull();
        assertThat(ImageIO.read(latency.toFile())).isNotNull();
    }
}

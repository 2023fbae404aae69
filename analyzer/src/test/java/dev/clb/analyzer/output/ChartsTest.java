package dev.clb.analyzer.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.experiments.A5Disruption;
import dev.clb.analyzer.experiments.A6HotKeys;
import dev.clb.analyzer.experiments.A6Result;
import dev.clb.analyzer.experiments.Failover;
import dev.clb.analyzer.experiments.Provenance;
import dev.clb.analyzer.stats.Latencies;
import dev.clb.analyzer.stats.Moves;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {
    @TempDir
    Path dir;

    @Test
    void failoverTimelineIsAReadablePng() throws Exception {
        Map<String, List<Integer>> timeline = new LinkedHashMap<>();
        timeline.put("server-1", List.of(80, 80, 10, 0, 0));
        timeline.put("server-2", List.of(5, 5, 60, 5, 5));
        timeline.put("replica-ab12c", List.of(0, 0, 5, 80, 80));
        Failover failover = new Failover(null, "server-1", List.of("server-1", "server-2"), List.of("server-2", "replica-ab12c"),
                List.of("replica-ab12c"), 500, 1000, 0.2, 30.0, 45.0, 0, 0, null, Map.of(), 100, timeline, List.of(0, 0, 0, 0, 0));
        Path png = dir.resolve("a3.png");
        Charts.failoverTimeline(failover, png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
    }

    @Test
    void disruptionAndHotKeyChartsAreReadablePngs() throws Exception {
        var changes = List.of(new A5Disruption.Change("replace", "kill -9 server-1", new Moves(1000, 0, 0), 0, 0, 0),
                new A5Disruption.Change("add", "added a5-added", new Moves(1000, 260, 2), 0.25, 0.258, 0),
                new A5Disruption.Change("remove", "removed server-2", new Moves(1000, 330, 1), 1 / 3.0, 0.329, 0));
        Path a5 = dir.resolve("a5.png");
        Charts.disruption(List.of(new A5Disruption.Disruption("maglev", "maglev", "maglev (table 65537)", "maglev", changes),
                new A5Disruption.Disruption("ring", "ring", "ring (160 points per replica)", "ring", changes)), a5);
        assertThat(ImageIO.read(a5.toFile())).isNotNull();

        var hot = new A6HotKeys.HotKeys("maglev-bounded", "maglev + bounded 1.25", "maglev", 3, 64, 1000, 1000, 0, 1, 1000, 0.18,
                28 / 64.0, Map.of("a", 400L, "b", 300L, "c", 300L), Map.of("a", 25.0, "b", 20.0, "c", 19.0), Map.of("a", 28, "b", 25, "c", 24),
                0.4, 25 / 64.0, new Latencies(6, 20, 40), null);
        A6Result result = new A6Result(new Provenance("now", false, "local", 42, 1000, 64, 0), 1000, 1.1, 5, List.of(hot), List.of());
        Path shares = dir.resolve("a6-shares.png");
        Path latency = dir.resolve("a6-latency.png");
        Charts.hotKeyShares(result, shares);
        Charts.hotKeyLatencies(result, latency);
        assertThat(ImageIO.read(shares.toFile())).isNotNull();
        assertThat(ImageIO.read(latency.toFile())).isNotNull();
    }
}

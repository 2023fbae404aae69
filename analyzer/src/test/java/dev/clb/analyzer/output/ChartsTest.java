package dev.clb.analyzer.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.experiments.Failover;
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
}

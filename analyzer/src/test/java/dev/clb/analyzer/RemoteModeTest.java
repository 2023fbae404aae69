package dev.clb.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.analyzer.analysis.Analysis;
import dev.clb.analyzer.experiments.A1HomeDistribution;
import dev.clb.analyzer.experiments.A2Scaling;
import dev.clb.analyzer.experiments.A4StrategyComparison;
import dev.clb.analyzer.settings.Settings;
import dev.clb.hashmap.HashScheme;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** against a running load balancer (a stand-in that routes exactly as the hash map says). */
class RemoteModeTest {
    @TempDir
    Path out;

    @Test
    void drivesARunningLoadBalancerAndWritesEverything() throws Exception {
        try (FakeLoadBalancer lb = new FakeLoadBalancer(HashScheme.ASSIGNMENT, List.of("server-1", "server-2", "server-3", "server-4"))) {
            Settings settings = new Settings(Map.of("assignment", new Settings.Remote(lb.url(), lb.management(), "lb")), "assignment", 300, 16, 20, out, 11, Path.of("unused"), Path.of("unused"));
            ByteArrayOutputStream console = new ByteArrayOutputStream();

            int exit = Analysis.run(settings, List.of(new A1HomeDistribution(), new A2Scaling(), new A4StrategyComparison()),
                    new PrintStream(console, true, StandardCharsets.UTF_8));

            String printed = console.toString(StandardCharsets.UTF_8);
            assertThat(exit).as(printed).isZero();
            assertThat(lb.replicas()).as("put back to its 4 replicas").hasSize(4);
            assertThat(printed).contains("a4: murmur not measured").contains("LB_STRATEGY=slots LB_HASH=murmur").contains("a4: maglev not measured").contains("--lb-for murmur=URL")
                    .contains("Summary").contains("a2 assignment N=6");
            for (String png : List.of("a1-requests-per-replica", "a2-load-vs-n", "a4-requests-per-replica-by-setup", "a4-max-over-mean-by-setup", "a4-load-vs-n-by-hash", "a4-spread-by-hash")) {
                assertThat(ImageIO.read(out.resolve(png + ".png").toFile())).as(png).isNotNull();
            }
            JsonNode a1 = new ObjectMapper().readTree(out.resolve("a1.json").toFile()).path("run");
            long counted = 0;
            for (JsonNode c : a1.path("counts")) counted += c.asLong();
            assertThat(counted).isEqualTo(300);
            assertThat(a1.path("routingAgreement").asDouble()).isEqualTo(1.0);
            assertThat(Files.readAllLines(out.resolve("a2.csv"))).hasSize(1 + 2 + 3 + 4 + 5 + 6);
            String report = Files.readString(out.resolve("REPORT.md"));
            assertThat(report).contains("## A-1").contains("## A-2").contains("## A-4").doesNotContain("## A-3")
                    .contains("87 of the 512 slots").contains("Not measured: murmur");
        }
    }
}

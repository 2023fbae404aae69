package dev.clb.analyzer.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.results.Failover;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.TrafficResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class A3FailoverTest {
    private static final long MS = 1_000_000;

    @Test
    void timelineDetectionAndRecoveryFromOutcomes() {
        List<Outcome> outcomes = new ArrayList<>();
        // 0-999 ms: s1 and s2 answer; kill at 1000 ms; s2 covers; at 1150 ms the replacement r answers
        for (int t = 0; t < 1000; t += 10) outcomes.add(new Outcome(t, 0, t * MS, 200, t % 20 == 0 ? "s1" : "s2", null));
        outcomes.add(new Outcome(1, 0, 1010 * MS, 0, null, "IOException: unexpected end of stream"));
        for (int t = 1020; t < 1150; t += 10) outcomes.add(new Outcome(t, 0, t * MS, 200, "s2", null));
        for (int t = 1150; t < 2000; t += 10) outcomes.add(new Outcome(t, 0, t * MS, 200, t % 20 == 0 ? "r" : "s2", null));
        TrafficResult traffic = new TrafficResult(outcomes, 1990 * MS);

        Failover f = A3Failover.summarize(null, "s1", List.of("s1", "s2"), List.of("s2", "r"), List.of("r"), traffic, 1000 * MS, 42.0);

        assertThat(f.killAtSeconds()).isEqualTo(1.0);
        assertThat(f.detectedAfterMs()).isEqualTo(42.0);
        assertThat(f.servingAgainAfterMs()).isEqualTo(160.0); // 1160 ms is the first multiple of 20 at or after 1150
        assertThat(f.failed()).isEqualTo(1);
        assertThat(f.failedAfterKill()).isEqualTo(1);
        assertThat(f.timeline()).containsOnlyKeys("s1", "s2", "r");
        assertThat(f.timeline().get("s1")).hasSize(20);
        assertThat(f.timeline().get("s1").subList(0, 10)).containsOnly(5);
        assertThat(f.timeline().get("s1").subList(10, 20)).containsOnly(0);
        assertThat(f.failedTimeline().get(10)).isEqualTo(1);
        int answered = f.timeline().values().stream().flatMap(List::stream).mapToInt(Integer::intValue).sum();
        assertThat(answered).isEqualTo(outcomes.size() - 1);
        assertThat(f.passed()).isFalse();
        assertThat(A3Failover.describe(f)).contains("killed s1 at 1.00 s").contains("42 ms").contains("160 ms").contains("1 of");
    }

    @Test
    void aSkippedKillSaysWhy() {
        TrafficResult traffic = new TrafficResult(List.of(new Outcome(1, 0, MS, 200, "s1", null)), MS);
        Failover f = A3Failover.summarize("no replica killed: docker not found", "s1", List.of("s1"), List.of("s1"), List.of(), traffic, -1, null);
        assertThat(f.killAtSeconds()).isNull();
        assertThat(f.passed()).isFalse();
        assertThat(A3Failover.describe(f)).contains("docker not found");
    }
}

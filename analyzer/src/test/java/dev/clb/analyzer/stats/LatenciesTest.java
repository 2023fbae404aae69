package dev.clb.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.traffic.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatenciesTest {
    @Test
    void nearestRankPercentilesOfAnsweredRequests() {
        List<Outcome> outcomes = new ArrayList<>();
        // latencies 1..100 ms, sent in shuffled order, and one failure that must not count
        for (int ms = 100; ms >= 1; ms--) outcomes.add(new Outcome(ms, 5_000_000L, 5_000_000L + ms * 1_000_000L, 200, "s", null));
        outcomes.add(new Outcome(0, 0, 999_000_000L, 0, null, "timeout"));

        Latencies latencies = Latencies.of(outcomes);

        assertThat(latencies.p50()).isEqualTo(50.0);
        assertThat(latencies.p99()).isEqualTo(99.0);
        assertThat(latencies.max()).isEqualTo(100.0);
    }

    @Test
    void oneValueIsEveryPercentile() {
        assertThat(Latencies.percentile(new double[]{7}, 50)).isEqualTo(7);
        assertThat(Latencies.percentile(new double[]{7}, 99)).isEqualTo(7);
        assertThat(Latencies.of(List.of()).p99()).isZero();
    }
}

package dev.clb.analyzer.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrafficResultTest {
    private static Outcome ok(long id, String server) {
        return new Outcome(id, 0, 1_000_000, 200, server, null);
    }

    private static Outcome failed(long id, String error) {
        return new Outcome(id, 0, 1_000_000, 0, null, error);
    }

    @Test
    void countsPerReplicaListedOnesFirstThenOthers() {
        TrafficResult result = new TrafficResult(List.of(ok(1, "b"), ok(2, "a"), ok(3, "b"), ok(4, "zz"), failed(5, "refused")), 2_000_000_000L);
        assertThat(result.countsByServer(List.of("a", "b", "c"))).containsExactly(
                java.util.Map.entry("a", 1L), java.util.Map.entry("b", 2L), java.util.Map.entry("c", 0L), java.util.Map.entry("zz", 1L));
        assertThat(result.ok()).isEqualTo(4);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.perSecond()).isEqualTo(2.5);
    }

    @Test
    void countsAddUpToTheAnsweredRequests() {
        TrafficResult result = new TrafficResult(List.of(ok(1, "a"), ok(2, "c"), failed(3, "x"), ok(4, "a")), 1);
        assertThat(result.countsByServer(List.of("a", "b")).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(result.ok());
    }

    @Test
    void typicalErrorIsTheMostCommonOne() {
        TrafficResult result = new TrafficResult(List.of(failed(1, "HTTP 503"), failed(2, "timeout"), failed(3, "HTTP 503"), ok(4, "a")), 1);
        assertThat(result.typicalError()).isEqualTo("HTTP 503");
        assertThat(new TrafficResult(List.of(ok(1, "a")), 1).typicalError()).isNull();
    }
}

package dev.clb.analyzer.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.clb.analyzer.stats.ExpectedSplit;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.hashmap.HashScheme;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunResultTest {
    private static final List<String> REPLICAS = List.of("server-1", "server-2", "server-3");

    /** Outcomes as a correct load balancer gives them: each id answered by the replica the hash map picks. */
    private static List<Outcome> routed(long[] ids) {
        var ring = ExpectedSplit.ring(HashScheme.ASSIGNMENT, REPLICAS);
        List<Outcome> outcomes = new ArrayList<>();
        for (long id : ids) outcomes.add(new Outcome(id, 1, 200, ring.lookup(id).name(), null));
        return outcomes;
    }

    @Test
    void aCorrectlyRoutedRunMatchesTheSpecSplit() {
        TrafficResult traffic = new TrafficResult(routed(RequestIds.generate(42, 10_000)), 2_000_000_000L);
        RunResult run = RunResult.of("a1", HashScheme.ASSIGNMENT, REPLICAS, traffic);

        assertThat(run.passed()).isTrue();
        assertThat(run.routingAgreement()).isEqualTo(1.0);
        assertThat(run.predicted()).isEqualTo(run.counts());
        assertThat(run.counts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10_000);
        assertThat(run.expected().get("server-1")).isCloseTo(8437.5, within(0.1));
        assertThat(run.expected().get("server-2")).isCloseTo(468.7, within(0.1));
        assertThat(run.expected().get("server-3")).isCloseTo(1093.8, within(0.1));
        assertThat(run.perSecond()).isEqualTo(5000);
        assertThat(run.line()).contains("10000 ok, 0 failed").contains("as the hash map predicts");
    }

    @Test
    void misroutedAndFailedRequestsShow() {
        List<Outcome> outcomes = routed(RequestIds.generate(1, 1000));
        for (int i = 0; i < 300; i++) outcomes.set(i, new Outcome(outcomes.get(i).requestId(), 1, 200, "server-2", null));
        outcomes.set(999, new Outcome(outcomes.get(999).requestId(), 1, 503, null, "HTTP 503: no replica"));
        RunResult run = RunResult.of("x", HashScheme.ASSIGNMENT, REPLICAS, new TrafficResult(outcomes, 1));

        assertThat(run.failed()).isEqualTo(1);
        assertThat(run.passed()).isFalse();
        assertThat(run.check().passed()).isFalse();
        assertThat(run.routingAgreement()).isLessThan(0.8);
        assertThat(run.typicalError()).isEqualTo("HTTP 503: no replica");
        assertThat(run.counts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(999);
    }
}

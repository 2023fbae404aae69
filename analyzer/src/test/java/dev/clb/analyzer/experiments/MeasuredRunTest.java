package dev.clb.analyzer.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.results.RunResult;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.TrafficResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeasuredRunTest {
    private static RingView ring(RingView.Replica... replicas) {
        return new RingView("slots", "assignment", null, 512, 9, null, "linear", List.of(replicas));
    }

    @Test
    void aReplicaReplacedDuringARunCountsUnderTheRingIdItInherited() {
        RingView before = ring(new RingView.Replica("server-1", 1, 1, 0.84375, null), new RingView.Replica("server-2", 2, 1, 0.046875, null),
                new RingView.Replica("server-3", 3, 1, 0.109375, null));
        RingView after = ring(new RingView.Replica("server-1", 1, 1, 0.84375, null), new RingView.Replica("server-2", 2, 1, 0.046875, null),
                new RingView.Replica("replica-x", 3, 1, 0.109375, null));
        var replaced = MeasuredRun.replacements(before, after);
        assertThat(replaced).containsExactly(java.util.Map.entry("replica-x", "server-3"));

        TrafficResult traffic = new TrafficResult(List.of(new Outcome(1, 0, 1, 200, "server-3", null), new Outcome(2, 0, 1, 200, "replica-x", null),
                new Outcome(3, 0, 1, 200, "server-1", null)), 1).renamed(replaced);
        RunResult run = RunResult.of("r", "assignment", before, traffic, replaced);

        assertThat(run.counts()).containsEntry("server-3", 2L).doesNotContainKey("replica-x");
        assertThat(run.line()).contains("replaced during the run").contains("replica-x=server-3");
        assertThat(MeasuredRun.replacements(before, before)).isEmpty();
    }
}

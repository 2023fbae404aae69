package dev.clb.analyzer.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.results.A7Result;
import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.results.SlowStartRun;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.TrafficResult;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;

/** A-7's summary of a failure's outcomes, on outcomes made up to the second, and what its charts draw. */
class A7SlowStartTest {
    private static final long S = 1_000_000_000L, KILL = 3 * S, JOIN = 3 * S + S / 10;

    private static Outcome answer(long id, long sentNanos, long latencyMillis, String server) {
        return new Outcome(id, sentNanos, sentNanos + latencyMillis * 1_000_000, 200, server, null);
    }

    /**
     * Ids 1..10 of the victim's seat, 11..20 of another replica's; after the join id k of the seat goes to the
     * replacement from second k - 1 on (a slow start of 10 s), except id 10, which goes back and forth.
     */
    private static TrafficResult traffic() {
        List<Outcome> outcomes = new ArrayList<>();
        for (long id = 1; id <= 20; id++) outcomes.add(answer(id, S, 2, id <= 10 ? "server-1" : "server-2"));
        outcomes.add(new Outcome(5, KILL + S / 20, KILL + S / 10, 502, null, "refused"));
        for (int second = 0; second < A7SlowStart.BINS; second++) {
            long sent = JOIN + second * S + S / 2;
            for (long id = 1; id <= 20; id++) {
                String server;
                if (id > 10) server = "server-2";
                else if (id == 10) server = second % 2 == 0 ? "replica-x" : "server-3";
                else server = second >= id - 1 ? "replica-x" : "server-3";
                outcomes.add(answer(id, sent, server.equals("replica-x") ? 40 - second : 1, server));
            }
        }
        return new TrafficResult(outcomes, 18 * S);
    }

    @Test
    void theSharePerSecondItsLatencyAndTheIdsThatMovedOnceOrTwiceAreTheSeatsAfterTheJoin() {
        SlowStartRun run = A7SlowStart.summarize(10_000, "server-1", "replica-x", KILL, JOIN, 9.9, traffic());
        assertThat(run.seatIds()).as("ids 1..10: the victim's before the kill").isEqualTo(10);
        // second 0: ids 1 and 10 (even second) of 10; second 1: ids 1, 2; ...; second 8: 1..9; second 9: 1..9 and 10 (odd: not)
        assertThat(run.share().subList(0, 3)).containsExactly(0.2, 0.2, 0.4);
        assertThat(run.share().get(9)).isEqualTo(0.9);
        assertThat(run.share().get(10)).isEqualTo(1.0);
        assertThat(run.replacementAnswers().subList(0, 3)).containsExactly(2, 2, 4);
        assertThat(run.replacementP50Ms().get(0)).isEqualTo(40.0);
        assertThat(run.replacementP99Ms().get(13)).isEqualTo(27.0);
        assertThat(run.idsMovedOnce()).as("ids 2..9 moved from server-3 to it once; id 1 was its from the join").isEqualTo(8);
        assertThat(run.idsMovedTwice()).as("id 10, back and forth").isEqualTo(1);
        assertThat(run.failed()).isEqualTo(1);
        assertThat(run.joinedAtSeconds()).isEqualTo(3.1);
        assertThat(new A7Result(provenance(), "maglev", List.of(run)).passed()).as("an id moved twice with a slow start").isFalse();
    }

    @Test
    void theShareChartDrawsEachRunPerSecondAndTheRule() {
        SlowStartRun run = A7SlowStart.summarize(10_000, "server-1", "replica-x", KILL, JOIN, 9.9, traffic());
        XYDataset data = ((XYPlot) A7SlowStart.shareChart(new A7Result(provenance(), "maglev", List.of(run))).getPlot()).getDataset();
        assertThat(data.getSeriesCount()).isEqualTo(2);
        assertThat(data.getXValue(0, 0)).isEqualTo(0.5);
        assertThat(data.getYValue(0, 2)).isEqualTo(0.4);
        assertThat(data.getYValue(1, data.getItemCount(1) - 1)).as("the rule, after the window").isEqualTo(1.0);
        assertThat(data.getYValue(1, 10)).as("the rule at 5 s of 10").isEqualTo(0.5);
    }

    private static Provenance provenance() {
        return new Provenance("2026-12-06T00:00:00Z", false, "local", 42, 10_000, 64, 2000);
    }
}

package dev.clb.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.clb.analyzer.traffic.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
    private static final long MS = 1_000_000;

    private static Outcome answered(String server, long fromMs, long toMs) {
        return new Outcome(1, fromMs * MS, toMs * MS, 200, server, null);
    }

    @Test
    void sharesOfCompletedAndOfInFlight() {
        // over 100 ms: a holds 3 requests for 100 ms each (3 in flight throughout), b answers 3 short ones of 10 ms
        List<Outcome> outcomes = List.of(answered("a", 0, 100), answered("a", 0, 100), answered("a", 0, 100),
                answered("b", 0, 10), answered("b", 10, 20), answered("b", 20, 30), new Outcome(2, 0, 50 * MS, 0, null, "refused"));

        Concurrency load = Concurrency.of(outcomes, 100 * MS);

        assertThat(load.completed()).containsEntry("a", 3L).containsEntry("b", 3L);
        assertThat(load.busiestCompletedShare()).isEqualTo(0.5);
        assertThat(load.meanInFlight().get("a")).isCloseTo(3.0, within(1e-9));
        assertThat(load.meanInFlight().get("b")).isCloseTo(0.3, within(1e-9));
        assertThat(load.busiestInFlightShare()).isCloseTo(3.0 / 3.3, within(1e-9));
        assertThat(load.peakInFlight()).containsEntry("a", 3).containsEntry("b", 1);
        assertThat(load.busiestPeakInFlight()).isEqualTo(3);
    }

    @Test
    void anAnswerAtTheMomentOfTheNextSendDoesNotOverlapIt() {
        Concurrency load = Concurrency.of(List.of(answered("a", 0, 10), answered("a", 10, 20)), 20 * MS);
        assertThat(load.peakInFlight()).containsEntry("a", 1);
    }

    @Test
    void nothingAnsweredIsNoLoad() {
        Concurrency load = Concurrency.of(List.of(), 0);
        assertThat(load.busiestCompletedShare()).isZero();
        assertThat(load.busiestInFlightShare()).isZero();
    }
}

package dev.clb.lb.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class InFlightTest {
    private final InFlight inFlight = new InFlight();

    @Test
    void countsPerReplicaAndInAll() {
        inFlight.begin("a");
        inFlight.begin("a");
        inFlight.begin("b");
        inFlight.end("a");
        assertThat(inFlight.of("a")).isEqualTo(1);
        assertThat(inFlight.of("b")).isEqualTo(1);
        assertThat(inFlight.of("never")).isZero();
        assertThat(inFlight.total()).isEqualTo(2);
        assertThat(inFlight.tracked()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void aReplicaIsForgottenOnlyOnceNothingIsInFlightToIt() {
        inFlight.begin("busy");
        inFlight.begin("idle");
        inFlight.end("idle");
        inFlight.forget("busy");
        inFlight.forget("idle");
        inFlight.forget("never");
        assertThat(inFlight.tracked()).containsExactly("busy");
        assertThat(inFlight.of("busy")).isEqualTo(1);
        inFlight.end("busy");
        inFlight.forget("busy");
        assertThat(inFlight.tracked()).isEmpty();
        assertThat(inFlight.total()).isZero();
    }

    @Test
    void aNewRingForgetsTheReplicasOutOfItWithNothingInFlightAndTheBusyOnesWithALaterRing() {
        inFlight.begin("stays");
        inFlight.begin("failed");
        inFlight.end("failed");
        inFlight.begin("failed-busy");
        inFlight.retainOnly(List.of("stays", "replacement"));
        assertThat(inFlight.tracked()).containsExactlyInAnyOrder("stays", "failed-busy");
        inFlight.end("failed-busy");
        inFlight.retainOnly(List.of("stays", "replacement"));
        assertThat(inFlight.tracked()).containsExactly("stays");
        assertThat(inFlight.of("stays")).isEqualTo(1);
    }
}

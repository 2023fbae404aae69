package dev.clb.lb.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** A replica forgotten on a ring change while an event loop starts attempts on it from an older ring. */
    @Test
    void attemptsRacingWithForgettingAreNeitherLostNorCountedBelowZero() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger lowest = new AtomicInteger();
        Thread loop = new Thread(() -> {
            for (int i = 0; i < 2_000_000; i++) {
                inFlight.begin("x");
                inFlight.end("x");
                lowest.accumulateAndGet(inFlight.of("x"), Math::min);
            }
            done.set(true);
        });
        loop.start();
        long rings = 0;
        while (!done.get()) {
            inFlight.retainOnly(List.of("y"));
            rings++;
        }
        loop.join();
        System.out.printf("IN FLIGHT RACE 2000000 attempts against %d ring changes: lowest count seen %d, count after %d%n",
                rings, lowest.get(), inFlight.of("x"));
        assertThat(lowest.get()).isZero();
        assertThat(inFlight.of("x")).isZero();
        assertThat(inFlight.total()).isZero();
        inFlight.retainOnly(List.of("y"));
        assertThat(inFlight.tracked()).isEmpty();
    }
}

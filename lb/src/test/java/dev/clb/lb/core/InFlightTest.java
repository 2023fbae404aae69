package dev.clb.lb.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
    }

    /**
     * The counters are kept by hostname: a replica forgotten leaves nothing that holds its hostname (the instance given
     * to the first {@link InFlight#begin}); one still counted keeps it.
     */
    @Test
    void aReplicaIsForgottenOnlyOnceNothingIsInFlightToIt() {
        String[] names = {new String("busy"), new String("idle")};
        inFlight.begin(names[0]);
        inFlight.begin(names[1]);
        inFlight.end("idle");
        WeakReference<String> busy = new WeakReference<>(names[0]);
        WeakReference<String> idle = new WeakReference<>(names[1]);
        names[0] = names[1] = null;

        inFlight.forget("busy");
        inFlight.forget("idle");
        inFlight.forget("never");
        Released.await("the idle replica's counter", idle);
        assertThat(busy.get()).as("the busy replica's counter, kept").isNotNull();
        assertThat(inFlight.of("busy")).isEqualTo(1);
        inFlight.end("busy");
        inFlight.forget("busy");
        Released.await("the busy replica's counter, once idle", busy);
        assertThat(inFlight.total()).isZero();
    }

    @Test
    void aNewRingForgetsTheReplicasOutOfItWithNothingInFlightAndTheBusyOnesWithALaterRing() {
        String[] names = {new String("stays"), new String("failed"), new String("failed-busy")};
        for (String name : names) inFlight.begin(name);
        inFlight.end("failed");
        WeakReference<String> stays = new WeakReference<>(names[0]);
        WeakReference<String> failed = new WeakReference<>(names[1]);
        WeakReference<String> failedBusy = new WeakReference<>(names[2]);
        Arrays.fill(names, null);

        inFlight.retainOnly(List.of("stays", "replacement"));
        Released.await("the failed replica's counter", failed);
        assertThat(failedBusy.get()).as("the failed replica still busy: its counter, kept").isNotNull();
        inFlight.end("failed-busy");
        inFlight.retainOnly(List.of("stays", "replacement"));
        Released.await("the failed busy replica's counter, with a later ring", failedBusy);
        assertThat(stays.get()).as("the counter of the replica in the ring").isNotNull();
        assertThat(inFlight.of("stays")).isEqualTo(1);
    }

    /** A replica forgotten on a ring change while an event loop starts attempts on it from an older ring. */
    @Test
    void attemptsRacingWithForgettingAreNeitherLostNorCountedBelowZero() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger lowest = new AtomicInteger();
        AtomicReference<String> name = new AtomicReference<>(new String("x"));
        WeakReference<String> x = new WeakReference<>(name.get());
        Thread loop = new Thread(() -> {
            for (int i = 0; i < 2_000_000; i++) {
                inFlight.begin(name.get());
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
        name.set(null);
        inFlight.retainOnly(List.of("y"));
        Released.await("the counter of the replica out of the ring", x);
    }
}

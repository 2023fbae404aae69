package dev.clb.lb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.events.MembershipEvents;
import dev.clb.lb.events.MembershipEvents.FailureReason;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import dev.clb.lb.membership.StaticMembership;
import dev.clb.lb.membership.StaticMembership.Fronted;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The monitor's rules round by round: the test runs each round ({@code tick}) itself and answers every heartbeat. */
class HeartbeatMonitorTest {
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    private final Replica a = made.of(new Backend("a", "127.0.0.1", 1)), b = made.of(new Backend("b", "127.0.0.1", 2));

    private final FakeHeartbeatProbe probe = new FakeHeartbeatProbe();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Replica> targets = new CopyOnWriteArrayList<>(List.of(a, b));
    private final HeartbeatMonitor.Listener listener = new HeartbeatMonitor.Listener() {
        @Override
        public void failed(Replica replica, String reason) {
            events.add("failed " + replica.hostname() + ": " + reason);
        }

        @Override
        public void recovered(Replica replica) {
            events.add("recovered " + replica.hostname());
        }
    };

    private HeartbeatMonitor monitor(int threshold) {
        return new HeartbeatMonitor(new HeartbeatMonitor.Settings(Duration.ofMillis(100), Duration.ofMillis(500), threshold),
                probe, () -> targets, listener, dev.clb.lb.events.MembershipEvents.NONE);
    }

    @ParameterizedTest(name = "threshold {0}")
    @ValueSource(ints = {1, 2, 3, 5})
    void thresholdMinusOneMissesDoNotFailAReplicaAndTheThresholdthDoes(int threshold) {
        HeartbeatMonitor monitor = monitor(threshold);
        probe.answer("a", Outcome.MISSED);
        for (int round = 1; round < threshold; round++) {
            monitor.tick();
            assertThat(events).as("after %d missed heartbeats", round).isEmpty();
        }
        monitor.tick();
        assertThat(events).containsExactly("failed a: heartbeats missed (timeout 500 ms)");
        monitor.tick();
        monitor.tick();
        assertThat(events).as("a failed replica is reported once").hasSize(1);
        assertThat(probe.sentTo("a")).isEqualTo(threshold + 2);
        assertThat(probe.sentTo("b")).isEqualTo(threshold + 2);
    }

    @Test
    void anAnswerInBetweenStartsTheCountAgain() {
        HeartbeatMonitor monitor = monitor(3);
        probe.answer("a", Outcome.MISSED);
        monitor.tick();
        monitor.tick();
        probe.answer("a", Outcome.ALIVE);
        monitor.tick();
        probe.answer("a", Outcome.MISSED);
        monitor.tick();
        monitor.tick();
        assertThat(events).isEmpty();
        monitor.tick();
        assertThat(events).containsExactly("failed a: heartbeats missed (timeout 500 ms)");
    }

    @Test
    void aRecoveredReplicaIsNoLongerEjected() throws Exception {
        HeartbeatMonitor monitor = monitor(3);
        Ring<Replica> ring = RingConfig.defaults().<Replica>empty().with(new Node<>("a", 1, a)).with(new Node<>("b", 2, b));
        OutlierDetection detection = new OutlierDetection(new OutlierDetection.Settings(5, Duration.ofSeconds(30), 50), replica -> { });
        probe.answer("b", Outcome.REFUSED);
        monitor.tick();
        for (int i = 0; i < 5; i++) detection.failed(ring, b, Ticker.systemTicker()); // its requests refused too
        assertThat(b.ejection().isEjected(Ticker.systemTicker())).isTrue();
        probe.answer("b", Outcome.ALIVE);
        monitor.tick();
        assertThat(events).containsExactly("failed b: connection refused", "recovered b");
        assertThat(b.ejection().isEjected(Ticker.systemTicker())).as("routable as soon as it rejoins").isFalse();
    }

    @Test
    void aRefusedConnectionFailsAtOnceAndAnAnswerLaterIsARecovery() {
        HeartbeatMonitor monitor = monitor(3);
        probe.answer("b", Outcome.REFUSED);
        monitor.tick();
        assertThat(events).containsExactly("failed b: connection refused");
        probe.answer("b", Outcome.ALIVE);
        monitor.tick();
        monitor.tick();
        assertThat(events).containsExactly("failed b: connection refused", "recovered b");
        probe.answer("b", Outcome.MISSED);
        monitor.tick();
        monitor.tick();
        assertThat(events).as("counting starts again after a recovery").hasSize(2);
        monitor.tick();
        assertThat(events).last().isEqualTo("failed b: heartbeats missed (timeout 500 ms)");
    }

    @Test
    void aHeartbeatStillInFlightIsNotSentAgainAndCountsOnceWhenItEnds() {
        HeartbeatMonitor monitor = monitor(2);
        probe.hold("a");
        monitor.tick();
        monitor.tick();
        monitor.tick();
        assertThat(probe.sentTo("a")).isEqualTo(1);
        assertThat(probe.sentTo("b")).isEqualTo(3);
        probe.release("a", Outcome.MISSED);
        assertThat(events).as("one late heartbeat is one miss").isEmpty();
        monitor.tick();
        assertThat(events).containsExactly("failed a: heartbeats missed (timeout 500 ms)");
    }

    /** Misses are kept on the replica object: a new replica under the name of one that left starts from none. */
    @Test
    void aNewReplicaUnderTheNameOfOneThatLeftStartsWithoutItsMisses() {
        HeartbeatMonitor monitor = monitor(2);
        probe.answer("a", Outcome.MISSED);
        monitor.tick();
        targets.remove(a);
        monitor.tick();
        targets.add(made.of(a.address()));
        monitor.tick();
        assertThat(events).isEmpty();
        monitor.tick();
        assertThat(events).containsExactly("failed a: heartbeats missed (timeout 500 ms)");
    }

    @Test
    void aNewReplicaUnderTheNameOfOneThatFailedIsWatchedAfresh() {
        HeartbeatMonitor monitor = monitor(1);
        probe.answer("a", Outcome.MISSED);
        monitor.tick();
        targets.remove(a);
        monitor.tick();
        targets.add(made.of(a.address()));
        monitor.tick();
        assertThat(events).containsExactly("failed a: heartbeats missed (timeout 500 ms)", "failed a: heartbeats missed (timeout 500 ms)");
    }

    /** A static backend that is down stays watched, the same object: it keeps its state and is reported once, then recovers. */
    @Test
    void aReplicaThatStaysWatchedWhileDownIsReportedOnceAndRecovers() {
        HeartbeatMonitor monitor = monitor(1);
        probe.answer("a", Outcome.MISSED);
        monitor.tick();
        monitor.tick();
        probe.answer("a", Outcome.ALIVE);
        monitor.tick();
        assertThat(events).containsExactly("failed a: heartbeats missed (timeout 500 ms)", "recovered a");
    }

    @Test
    void suspectChecksOutOfTurnAndAnExitFailsWithoutAHeartbeat() {
        HeartbeatMonitor monitor = monitor(3);
        probe.answer("a", Outcome.REFUSED);
        monitor.suspect(a);
        assertThat(events).containsExactly("failed a: connection refused");
        assertThat(probe.sentTo("b")).isZero();
        monitor.exited(b);
        assertThat(events).containsExactly("failed a: connection refused", "failed b: its process exited");
        assertThat(probe.sentTo("b")).isZero();
        monitor.exited(b);
        assertThat(events).as("already down").hasSize(2);
    }

    @Test
    void aRoundThatThrowsIsLoggedAndTheNextOneRuns() {
        AtomicInteger rounds = new AtomicInteger();
        HeartbeatMonitor monitor = new HeartbeatMonitor(new HeartbeatMonitor.Settings(Duration.ofMillis(100), Duration.ofMillis(500), 1),
                probe, () -> {
                    if (rounds.incrementAndGet() == 1) throw new IllegalStateException("targets unavailable");
                    return targets;
                }, listener, dev.clb.lb.events.MembershipEvents.NONE);
        probe.answer("a", Outcome.MISSED);
        monitor.tick();
        assertThat(events).isEmpty();
        monitor.tick();
        assertThat(events).containsExactly("failed a: heartbeats missed (timeout 500 ms)");
    }

    @Test
    void theScheduleRunsRoundsEveryInterval() {
        probe.answer("a", Outcome.MISSED);
        HeartbeatMonitor monitor = monitor(2);
        try {
            monitor.start();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
            assertThat(events).containsExactly("failed a: heartbeats missed (timeout 500 ms)");
            assertThat(monitor.settings().threshold()).isEqualTo(2);
        } finally {
            monitor.close();
        }
    }

    @Test
    void awaitAliveReturnsOnTheFirstAnswerAndGivesUpWhenToldOrAtTheDeadline() throws Exception {
        assertThat(probe.awaitAlive(a.address(), Duration.ofSeconds(5), () -> false)).isTrue();
        assertThat(probe.sentTo("a")).isEqualTo(1);

        probe.answer("b", Outcome.REFUSED);
        AtomicInteger asked = new AtomicInteger();
        assertThat(probe.awaitAlive(b.address(), Duration.ofSeconds(30), () -> asked.incrementAndGet() > 3)).isFalse();
        assertThat(probe.sentTo("b")).isEqualTo(3);

        long t0 = System.nanoTime();
        assertThat(probe.awaitAlive(b.address(), Duration.ofMillis(100), () -> false)).isFalse();
        assertThat(System.nanoTime() - t0).as("returns once the deadline passes").isLessThan(Duration.ofSeconds(20).toNanos());
        assertThat(probe.awaitAlive(b.address(), Duration.ZERO, () -> false)).isFalse();
    }

    @Test
    void awaitAliveKeepsAskingUntilTheReplicaAnswers() throws Exception {
        probe.answer("a", Outcome.REFUSED);
        AtomicBoolean answered = new AtomicBoolean();
        Thread later = new Thread(() -> {
            org.awaitility.Awaitility.await().until(() -> probe.sentTo("a") >= 3);
            probe.answer("a", Outcome.ALIVE);
            answered.set(true);
        });
        later.start();
        assertThat(probe.awaitAlive(a.address(), Duration.ofSeconds(30), () -> false)).isTrue();
        later.join();
        assertThat(answered).isTrue();
    }

    @Test
    void settingsRefuseWhatCannotWork() {
        assertThatThrownBy(() -> new HeartbeatMonitor.Settings(Duration.ZERO, Duration.ofMillis(1), 1)).hasMessageContaining("interval");
        assertThatThrownBy(() -> new HeartbeatMonitor.Settings(Duration.ofMillis(-1), Duration.ofMillis(1), 1)).hasMessageContaining("interval");
        assertThatThrownBy(() -> new HeartbeatMonitor.Settings(Duration.ofMillis(1), Duration.ZERO, 1)).hasMessageContaining("timeout");
        assertThatThrownBy(() -> new HeartbeatMonitor.Settings(Duration.ofMillis(1), Duration.ofMillis(-1), 1)).hasMessageContaining("timeout");
        assertThatThrownBy(() -> new HeartbeatMonitor.Settings(Duration.ofMillis(1), Duration.ofMillis(1), 0)).hasMessageContaining("threshold");
        assertThat(new HeartbeatMonitor.Settings(Duration.ofMillis(1), Duration.ofMillis(1), 1).threshold()).isEqualTo(1);
    }

    @Test
    void refusalMeansNothingListensThere() {
        assertThat(HeartbeatMonitor.isRefusal(new RuntimeException(new java.net.ConnectException("refused")))).isTrue();
        assertThat(HeartbeatMonitor.isRefusal(new java.net.NoRouteToHostException())).isTrue();
        assertThat(HeartbeatMonitor.isRefusal(new java.net.UnknownHostException("s5"))).isTrue();
        assertThat(HeartbeatMonitor.isRefusal(new java.net.SocketTimeoutException())).isFalse();
        assertThat(HeartbeatMonitor.isRefusal(null)).isFalse();
    }

    @Test
    void everyHeartbeatWithItsDurationAndEveryFailureWithItsReasonGoToTheEvents() {
        List<String> outcomes = new CopyOnWriteArrayList<>(), failures = new CopyOnWriteArrayList<>();
        List<Long> durations = new CopyOnWriteArrayList<>();
        MembershipEvents recording = new MembershipEvents() {
            @Override
            public void failed(String hostname, FailureReason reason) {
                failures.add(hostname + " " + reason.label());
            }

            @Override
            public void heartbeat(long durationNanos, String outcome) {
                durations.add(durationNanos);
                outcomes.add(outcome);
            }
        };
        HeartbeatMonitor monitor = new HeartbeatMonitor(new HeartbeatMonitor.Settings(Duration.ofMillis(100), Duration.ofMillis(500), 1),
                probe, () -> targets, listener, recording);
        probe.answer("a", Outcome.MISSED).answer("b", Outcome.REFUSED);
        monitor.tick();
        monitor.exited(made.of(new Backend("c", "127.0.0.1", 3)));
        assertThat(outcomes).containsExactlyInAnyOrder("missed", "refused");
        assertThat(durations).allMatch(nanos -> nanos >= 0 && nanos < Duration.ofSeconds(10).toNanos());
        assertThat(failures).containsExactlyInAnyOrder("a missed", "b refused", "c exited");
    }

    /**
     * A static membership behind a monitor whose reports are each preceded, on the reporting thread, by one more round
     * in which the backend answers {@code meanwhile}: the heartbeat of the other outcome that lands between the
     * monitor's marking the backend's health and the membership's hearing of it.
     */
    private StaticMembership racedBy(Outcome meanwhile, HeartbeatMonitor[] monitor) {
        StaticMembership membership = new StaticMembership(new ConsistentHashMap<>(RingConfig.defaults()), List.of(new Fronted(a, 1), new Fronted(b, 1)),
                Ticker.systemTicker());
        AtomicBoolean raced = new AtomicBoolean();
        HeartbeatMonitor.Listener late = new HeartbeatMonitor.Listener() {
            @Override
            public void failed(Replica replica, String reason) {
                if (meanwhile == Outcome.ALIVE) race(replica);
                membership.failed(replica, reason);
            }

            @Override
            public void recovered(Replica replica) {
                if (meanwhile != Outcome.ALIVE) race(replica);
                membership.recovered(replica);
            }

            private void race(Replica replica) {
                if (!raced.compareAndSet(false, true)) return;
                probe.answer(replica.hostname(), meanwhile);
                monitor[0].tick();
            }
        };
        monitor[0] = new HeartbeatMonitor(new HeartbeatMonitor.Settings(Duration.ofMillis(100), Duration.ofMillis(500), 1),
                probe, membership::monitored, late, MembershipEvents.NONE);
        membership.start(0);
        return membership;
    }

    @Test
    void aStaticBackendThatAnswersBeforeItsFailureIsHeardStaysInTheMap() {
        HeartbeatMonitor[] monitor = new HeartbeatMonitor[1];
        StaticMembership membership = racedBy(Outcome.ALIVE, monitor);
        probe.answer("a", Outcome.REFUSED);
        monitor[0].tick();
        monitor[0].tick();
        assertThat(a.health().isDown()).isFalse();
        assertThat(membership.hostnames()).as("a answers every heartbeat since").containsExactly("a", "b");
    }

    @Test
    void aStaticBackendThatFailsAgainBeforeItsRecoveryIsHeardStaysOutUntilItAnswers() {
        HeartbeatMonitor[] monitor = new HeartbeatMonitor[1];
        StaticMembership membership = racedBy(Outcome.REFUSED, monitor);
        probe.answer("a", Outcome.REFUSED);
        monitor[0].tick();
        probe.answer("a", Outcome.ALIVE);
        monitor[0].tick();
        monitor[0].tick();
        assertThat(a.health().isDown()).isTrue();
        assertThat(membership.hostnames()).as("a refuses every heartbeat since").containsExactly("b");
        probe.answer("a", Outcome.ALIVE);
        monitor[0].tick();
        assertThat(membership.hostnames()).containsExactly("b", "a");
    }
}

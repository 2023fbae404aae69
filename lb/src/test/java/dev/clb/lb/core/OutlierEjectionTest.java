package dev.clb.lb.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clb.hashmap.MaglevTable;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The outlier detection's rules, on real rings and the real choosers, on a ticker the test moves. */
class OutlierEjectionTest {
    private static final long SECOND = 1000;
    private final MockTicker clock = Ticker.newMockTicker();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ReplicaFactory made = new ReplicaFactory(1, registry);
    private final List<Replica> replaced = new ArrayList<>();

    private Ring<Replica> ring(RingStrategy strategy, int n) throws RingFullException {
        Ring<Replica> ring = strategy.empty();
        for (int i = 1; i <= n; i++) {
            Replica replica = made.of(new Backend("server-" + i, "127.0.0.1", 1000 + i));
            replica.meters().joined();
            ring = ring.with(new Node<>("server-" + i, i, replica));
        }
        return ring;
    }

    private OutlierDetection detection(int consecutive5xx, long ejectionMillis, int maxPercent) {
        return new OutlierDetection(new OutlierDetection.Settings(consecutive5xx, Duration.ofMillis(ejectionMillis), maxPercent), replaced::add);
    }

    private void fail(OutlierDetection detection, Ring<Replica> ring, Replica replica, int times) {
        for (int i = 0; i < times; i++) detection.failed(ring, replica, clock);
    }

    private boolean ejected(Replica replica) {
        return replica.ejection().isEjected(clock);
    }

    private double ejections(Replica replica) {
        return registry.get("lb.outlier.ejections").tag("replica", replica.hostname()).counter().count();
    }

    private void advanceMillis(long millis) {
        clock.advance(millis, TimeUnit.MILLISECONDS);
    }

    @Test
    void nFailuresInARowEjectASuccessStartsTheCountAgain() throws RingFullException {
        Ring<Replica> ring = ring(RingConfig.defaults(), 3);
        Replica one = ring.nodes().get(0).value();
        OutlierDetection detection = detection(5, 30 * SECOND, 50);
        assertThat(ejections(one)).isZero(); // the series exists at 0 from the join
        fail(detection, ring, one, 4);
        detection.succeeded(one);
        fail(detection, ring, one, 4);
        assertThat(ejected(one)).isFalse();
        fail(detection, ring, one, 1);
        assertThat(ejected(one)).isTrue();
        assertThat(ejections(one)).isEqualTo(1);
        fail(detection, ring, one, 20); // what was in flight to it fails while it is out: not counted
        assertThat(ejections(one)).isEqualTo(1);
        advanceMillis(30 * SECOND);
        fail(detection, ring, one, 4); // re-admitted: its count starts again from 0
        assertThat(ejected(one)).isFalse();
        fail(detection, ring, one, 1);
        assertThat(ejected(one)).isTrue();
    }

    @Test
    void offEjectsNothing() throws RingFullException {
        Ring<Replica> ring = ring(RingConfig.defaults(), 3);
        Replica one = ring.nodes().get(0).value();
        fail(detection(0, 30 * SECOND, 50), ring, one, 1000);
        assertThat(ejected(one)).isFalse();
        assertThat(ejections(one)).isZero();
    }

    @Test
    void theEjectionTimeDoublesWithEachEjectionInARowUpToFiveMinutes() throws RingFullException {
        Ring<Replica> ring = ring(RingConfig.defaults(), 3);
        Replica one = ring.nodes().get(0).value();
        OutlierDetection detection = detection(5, 50 * SECOND, 50);
        for (long expected : new long[] {50, 100, 200, 300, 300}) {
            fail(detection, ring, one, 5); // at once on re-admission: well within one ejection time of fine
            advanceMillis(expected * SECOND - 1);
            assertThat(ejected(one)).as("%d s ejection, 1 ms before its end", expected).isTrue();
            advanceMillis(1);
            assertThat(ejected(one)).as("%d s ejection at its end", expected).isFalse();
        }
    }

    @Test
    void fineForOneEjectionTimeAfterReAdmissionStartsTheDoublingAgain() throws RingFullException {
        Ring<Replica> ring = ring(RingConfig.defaults(), 3);
        Replica one = ring.nodes().get(0).value();
        OutlierDetection detection = detection(5, 10 * SECOND, 50);
        fail(detection, ring, one, 5);
        advanceMillis(10 * SECOND);
        fail(detection, ring, one, 5); // second in a row: 20 s
        advanceMillis(20 * SECOND - 1);
        assertThat(ejected(one)).isTrue();
        advanceMillis(1 + 10 * SECOND); // re-admitted, then fine for one ejection time
        fail(detection, ring, one, 5);
        advanceMillis(10 * SECOND - 1);
        assertThat(ejected(one)).isTrue();
        advanceMillis(1);
        assertThat(ejected(one)).isFalse();
    }

    @Test
    void neverMoreThanMaxPercentOfTheReplicasAtOnce() throws RingFullException {
        Ring<Replica> ring = ring(new MaglevTable.Config(65537), 10);
        OutlierDetection detection = detection(5, 30 * SECOND, 30);
        for (Node<Replica> node : ring.nodes()) fail(detection, ring, node.value(), 5);
        assertThat(ring.nodes().stream().filter(n -> ejected(n.value()))).hasSize(3);
        advanceMillis(30 * SECOND); // all back: three more may go, those still failing first
        Replica fourth = ring.nodes().get(3).value();
        fail(detection, ring, fourth, 1); // its count stayed at 5 while it could not be ejected
        assertThat(ejected(fourth)).isTrue();
    }

    @Test
    void atLeastOneReplicaAlwaysStaysRoutable() throws RingFullException {
        OutlierDetection everyone = detection(5, 30 * SECOND, 100);
        Ring<Replica> two = ring(RingConfig.defaults(), 2);
        for (Node<Replica> node : two.nodes()) fail(everyone, two, node.value(), 50);
        assertThat(two.nodes().stream().filter(n -> ejected(n.value()))).hasSize(1);
        Ring<Replica> alone = ring(RingConfig.defaults(), 1);
        fail(everyone, alone, alone.nodes().get(0).value(), 50);
        assertThat(ejected(alone.nodes().get(0).value())).isFalse();
    }

    @Test
    void anEjectedReplicasKeysGoToTheNextInFallbackOrderAndComeBackOnReAdmission() throws RingFullException {
        for (RingStrategy strategy : List.of(RingConfig.defaults(), new MaglevTable.Config(65537))) {
            for (OptionalDouble bounded : List.of(OptionalDouble.empty(), OptionalDouble.of(1000.0))) {
                Ring<Replica> ring = ring(strategy, 4);
                Replica out = ring.nodes().get(1).value();
                ReplicaChooser chooser = ReplicaChooser.of(bounded, made::inFlight, () -> Duration.ZERO);
                OutlierDetection detection = detection(5, 30 * SECOND, 50);
                fail(detection, ring, out, 5);
                int moved = 0;
                for (long id = 100_000; id < 110_000; id++) {
                    Node<Replica> owner = ring.lookup(id);
                    Node<Replica> picked = chooser.pick(ring, id, List.of(), clock);
                    if (owner.value() == out) {
                        moved++;
                        assertThat(picked).isSameAs(ring.fallbackOrder(id).get(1)); // the next in fallback order
                    } else {
                        assertThat(picked).isSameAs(owner); // nobody else's keys move
                    }
                }
                assertThat(moved).isGreaterThan(100); // not vacuous: its share of 10000 ids
                // it keeps its ring id and is still asked when every other replica was tried
                assertThat(ring.node(out.hostname()).ringId()).isEqualTo(2);
                long id = 100_000;
                while (ring.lookup(id).value() != out) id++;
                List<Replica> others = ring.nodes().stream().map(Node::value).filter(r -> r != out).toList();
                assertThat(chooser.pick(ring, id, others, clock).value()).isSameAs(out);
                advanceMillis(30 * SECOND);
                assertThat(chooser.pick(ring, id, List.of(), clock).value()).isSameAs(out);
            }
        }
    }

    /**
     * A replica the heartbeats declared down is passed over the same way (an instance of a cluster routes around it at
     * once, before the leader replaces it), and asked again once it answers.
     */
    @Test
    void aReplicaDeclaredDownIsPassedOverUntilItAnswersAgain() throws RingFullException {
        for (OptionalDouble bounded : List.of(OptionalDouble.empty(), OptionalDouble.of(1000.0))) {
            Ring<Replica> ring = ring(new MaglevTable.Config(65537), 3);
            Replica down = ring.nodes().get(0).value();
            ReplicaChooser chooser = ReplicaChooser.of(bounded, made::inFlight, () -> Duration.ZERO);
            long id = 100_000;
            while (ring.lookup(id).value() != down) id++;
            assertThat(down.health().markDown()).isTrue();
            assertThat(chooser.pick(ring, id, List.of(), clock)).isSameAs(ring.fallbackOrder(id).get(1));
            List<Replica> others = ring.nodes().stream().map(Node::value).filter(r -> r != down).toList();
            assertThat(chooser.pick(ring, id, others, clock).value()).as("the last resort").isSameAs(down);
            assertThat(down.health().answered()).isTrue();
            assertThat(chooser.pick(ring, id, List.of(), clock).value()).isSameAs(down);
        }
    }

    @Test
    void theThirdEjectionInARowIsReportedOnce() throws RingFullException {
        Ring<Replica> ring = ring(RingConfig.defaults(), 3);
        Replica one = ring.nodes().get(0).value();
        OutlierDetection detection = detection(5, SECOND, 50);
        for (int ejection = 1; ejection <= 2; ejection++) {
            fail(detection, ring, one, 5);
            advanceMillis(SECOND << (ejection - 1));
        }
        assertThat(replaced).isEmpty();
        fail(detection, ring, one, 5);
        assertThat(replaced).containsExactly(one);
        advanceMillis(4 * SECOND);
        fail(detection, ring, one, 5);
        assertThat(replaced).containsExactly(one);
    }

    @Test
    void ejectionsWithAFineSpellBetweenAreNotInARow() throws RingFullException {
        Ring<Replica> ring = ring(RingConfig.defaults(), 3);
        Replica one = ring.nodes().get(0).value();
        OutlierDetection detection = detection(5, SECOND, 50);
        for (int ejection = 1; ejection <= 5; ejection++) {
            fail(detection, ring, one, 5);
            advanceMillis(2 * SECOND); // its one second out, then a second of good answers
        }
        assertThat(ejections(one)).isEqualTo(5);
        assertThat(replaced).isEmpty();
    }

    @Test
    void aReplicaBackFromTheDeadIsRoutableAtOnceWithItsCountStartedAgain() throws RingFullException {
        Ring<Replica> ring = ring(RingConfig.defaults(), 3);
        Replica one = ring.nodes().get(0).value();
        OutlierDetection detection = detection(5, 30 * SECOND, 50);
        fail(detection, ring, one, 5); // refused while it was down
        assertThat(ejected(one)).isTrue();
        one.ejection().recovered();
        assertThat(ejected(one)).isFalse();
        fail(detection, ring, one, 4);
        assertThat(ejected(one)).isFalse();
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertThatThrownBy(() -> new OutlierDetection.Settings(-1, Duration.ofSeconds(30), 50)).hasMessageContaining("must not be negative, got -1");
        assertThatThrownBy(() -> new OutlierDetection.Settings(5, Duration.ZERO, 50)).hasMessageContaining("between 1 and 300000 ms, got 0 ms");
        assertThatThrownBy(() -> new OutlierDetection.Settings(5, Duration.ofMillis(300_001), 50)).hasMessageContaining("got 300001 ms");
        assertThatThrownBy(() -> new OutlierDetection.Settings(5, Duration.ofSeconds(1), 0)).hasMessageContaining("between 1 and 100 %, got 0");
        assertThatThrownBy(() -> new OutlierDetection.Settings(5, Duration.ofSeconds(1), 101)).hasMessageContaining("got 101");
    }
}

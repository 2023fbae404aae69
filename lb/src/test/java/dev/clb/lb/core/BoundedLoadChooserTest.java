package dev.clb.lb.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clb.hashmap.HashRing;
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
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Bounded loads over the real strategies and the real in-flight counts, read off the replica objects. */
class BoundedLoadChooserTest {
    static final long HOT = 123_456;
    private static final Ticker CLOCK = Ticker.systemTicker();
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());

    private Ring<Replica> ring(RingStrategy strategy, int n) throws RingFullException {
        Ring<Replica> ring = strategy.empty();
        for (int i = 1; i <= n; i++) ring = ring.with(new Node<>("server-" + i, i, made.of(new Backend("server-" + i, "127.0.0.1", 1000 + i))));
        return ring;
    }

    /** Sets {@code node}'s requests in flight to {@code n}, as attempts beginning and ending would. */
    private static void load(Node<Replica> node, int n) {
        while (node.value().inFlight() < n) node.value().begin();
        while (node.value().inFlight() > n) node.value().end();
    }

    @Test
    void theCapIsCeilOfFactorTimesInFlightPlusOneOverN() {
        BoundedLoadChooser chooser = new BoundedLoadChooser(1.25, () -> 0, () -> Duration.ZERO);
        assertThat(chooser.cap(0, 3)).isEqualTo(1);   // ceil(1.25 / 3)
        assertThat(chooser.cap(10, 3)).isEqualTo(5);  // ceil(4.58)
        assertThat(chooser.cap(11, 3)).isEqualTo(5);  // ceil(5.0)
        assertThat(chooser.cap(12, 3)).isEqualTo(6);  // ceil(5.42)
        assertThat(chooser.cap(59, 3)).isEqualTo(25); // ceil(25.0)
        assertThat(new BoundedLoadChooser(2.0, () -> 0, () -> Duration.ZERO).cap(5, 4)).isEqualTo(3);
        assertThatThrownBy(() -> new BoundedLoadChooser(1.0, () -> 0, () -> Duration.ZERO)).hasMessageContaining("above 1.0 (e.g. 1.25), got 1.0");
    }

    @Test
    void theOwnerUnderItsCapThenTheNextInTheFallbackOrderThatIs() throws RingFullException {
        for (RingStrategy strategy : List.of(RingConfig.defaults(), new HashRing.Config(160), new MaglevTable.Config(65537))) {
            Ring<Replica> ring = ring(strategy, 3);
            List<Node<Replica>> order = ring.fallbackOrder(HOT);
            BoundedLoadChooser chooser = new BoundedLoadChooser(1.25, made::inFlight, () -> Duration.ZERO);
            assertThat(chooser.pick(ring, HOT, List.of(), CLOCK)).isSameAs(order.get(0));
            load(order.get(0), 1); // cap ceil(1.25 * 2 / 3) = 1: the owner is full
            assertThat(chooser.pick(ring, HOT, List.of(), CLOCK)).isSameAs(order.get(1));
            load(order.get(0), 4);
            load(order.get(1), 3); // 7 in flight: cap ceil(1.25 * 8 / 3) = 4
            assertThat(chooser.pick(ring, HOT, List.of(), CLOCK)).isSameAs(order.get(1));
            load(order.get(1), 4);
            assertThat(chooser.pick(ring, HOT, List.of(), CLOCK)).isSameAs(order.get(2));
            // a retry skips what was tried, even when it is under the cap
            order.forEach(node -> load(node, 0));
            assertThat(chooser.pick(ring, HOT, List.of(order.get(0).value()), CLOCK)).isSameAs(order.get(1));
            assertThat(chooser.pick(ring, HOT, List.of(order.get(0).value(), order.get(1).value()), CLOCK)).isSameAs(order.get(2));
            assertThat(chooser.pick(ring, HOT, order.stream().map(Node::value).toList(), CLOCK)).isNull();
            // every untried one over the cap: the first untried in order
            load(order.get(1), 50);
            load(order.get(2), 50);
            assertThat(chooser.pick(ring, HOT, List.of(order.get(0).value()), CLOCK)).isSameAs(order.get(1));
            order.forEach(node -> load(node, 0));
            assertThat(made.inFlight()).isZero();
            assertThat(chooser.pick(strategy.empty(), HOT, List.of(), CLOCK)).isNull();
        }
    }

    @Test
    void theCapSharesTheRequestsInFlightAmongTheReplicasThatTakeRequests() throws RingFullException {
        MockTicker clock = Ticker.newMockTicker();
        Ring<Replica> ring = ring(new MaglevTable.Config(65537), 4);
        List<Node<Replica>> order = ring.fallbackOrder(HOT);
        BoundedLoadChooser chooser = new BoundedLoadChooser(1.25, made::inFlight, () -> Duration.ZERO);
        load(order.get(0), 2);
        load(order.get(2), 2); // 4 in flight: cap ceil(1.25 * 5 / 4) = 2 over the four
        assertThat(chooser.pick(ring, HOT, List.of(), clock)).isSameAs(order.get(1));

        new OutlierDetection(new OutlierDetection.Settings(1, Duration.ofSeconds(30), 50), replica -> { })
                .failed(ring, order.get(2).value(), clock);
        order.get(3).value().health().markDown();
        assertThat(order.get(2).value().ejection().isEjected(clock)).isTrue();
        // two take requests: cap ceil(1.25 * 5 / 2) = 4, and the owner has room
        assertThat(chooser.pick(ring, HOT, List.of(), clock)).isSameAs(order.get(0));
        load(order.get(0), 4);  // 6 in flight: cap ceil(1.25 * 7 / 2) = 5
        assertThat(chooser.pick(ring, HOT, List.of(), clock)).isSameAs(order.get(0));
        load(order.get(0), 5);  // 7 in flight: cap ceil(1.25 * 8 / 2) = 5
        assertThat(chooser.pick(ring, HOT, List.of(), clock)).isSameAs(order.get(1));

        order.get(1).value().health().markDown(); // the owner alone takes requests: cap ceil(1.25 * 8 / 1) = 10
        assertThat(chooser.pick(ring, HOT, List.of(), clock)).isSameAs(order.get(0));
        order.forEach(node -> load(node, 0));
    }

    @Test
    void withoutBoundsTheOwnerThenTheFallbackOrder() throws RingFullException {
        Ring<Replica> ring = ring(new MaglevTable.Config(65537), 4);
        ReplicaChooser chooser = ReplicaChooser.of(OptionalDouble.empty(), made::inFlight, () -> Duration.ZERO);
        List<Node<Replica>> order = ring.fallbackOrder(HOT);
        List<Replica> tried = new ArrayList<>();
        for (Node<Replica> expected : order) {
            assertThat(chooser.pick(ring, HOT, tried, CLOCK)).isSameAs(expected);
            tried.add(expected.value());
        }
        assertThat(chooser.pick(ring, HOT, tried, CLOCK)).isNull();
        assertThat(chooser.pick(ring.without("server-1").without("server-2").without("server-3").without("server-4"), HOT, List.of(), CLOCK)).isNull();
        assertThat(ReplicaChooser.of(OptionalDouble.of(1.5), made::inFlight, () -> Duration.ZERO)).isInstanceOf(BoundedLoadChooser.class);
    }

    /**
     * Many threads begin and end attempts on every replica, lock-free on the objects, while others pick and hold their
     * picks like proxied requests: every pick is a replica, the cap bites (a hot key spills past its owner), and once
     * all have ended every count, each replica's and the total, is back at 0: none lost, none below zero.
     */
    @Test
    void underConcurrentInFlightChangesPicksSpillAndTheCountsEndAtZero() throws Exception {
        Ring<Replica> ring = ring(new MaglevTable.Config(65537), 5);
        BoundedLoadChooser chooser = new BoundedLoadChooser(1.25, made::inFlight, () -> Duration.ZERO);
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicLong picks = new AtomicLong(), spilled = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(6);
        for (int t = 0; t < 3; t++) { // noise: requests to random replicas, held a moment
            final int seed = t;
            threads.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                started.countDown();
                while (!stop.get()) {
                    Replica replica = ring.nodes().get(random.nextInt(5)).value();
                    replica.begin();
                    if (random.nextInt(4) == 0) Thread.yield();
                    replica.end();
                }
            }));
        }
        for (int t = 0; t < 3; t++) { // pickers: a hot key and random ones, each pick held like a proxied request
            final int seed = 10 + t;
            threads.add(new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                started.countDown();
                while (!stop.get()) {
                    long id = random.nextBoolean() ? HOT : random.nextLong(100_000, 1_000_000);
                    Node<Replica> pick = chooser.pick(ring, id, List.of(), CLOCK);
                    if (pick == null || pick.value().inFlight() < 0) violations.add("pick " + pick);
                    if (pick != ring.lookup(id)) spilled.incrementAndGet();
                    picks.incrementAndGet();
                    pick.value().begin();
                    Thread.yield();
                    pick.value().end();
                }
            }));
        }
        threads.forEach(Thread::start);
        started.await(10, TimeUnit.SECONDS);
        Thread.sleep(1_500);
        stop.set(true);
        for (Thread t : threads) t.join(10_000);
        System.out.printf("BOUNDED picks %d, %d spilled past the owner, %d violations%n", picks.get(), spilled.get(), violations.size());
        assertThat(violations).isEmpty();
        assertThat(picks.get()).isGreaterThan(1_000);
        assertThat(spilled.get()).as("the cap did bite").isPositive();
        assertThat(ring.nodes()).allSatisfy(node -> assertThat(node.value().inFlight()).isZero());
        assertThat(made.inFlight()).isZero();
    }
}

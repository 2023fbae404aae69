package dev.clb.lb.core;

import dev.clb.lb.backend.Backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clb.hashmap.HashRing;
import dev.clb.hashmap.MaglevTable;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.hashmap.RingStrategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Bounded loads over the real strategies and real in-flight counts. */
class BoundedLoadChooserTest {
    static final long HOT = 123_456;

    static Ring<Backend> ring(RingStrategy strategy, int n) throws RingFullException {
        Ring<Backend> ring = strategy.empty();
        for (int i = 1; i <= n; i++) ring = ring.with(new Node<>("server-" + i, i, new Backend("server-" + i, "127.0.0.1", 1000 + i)));
        return ring;
    }

    @Test
    void theCapIsCeilOfFactorTimesInFlightPlusOneOverN() {
        BoundedLoadChooser chooser = new BoundedLoadChooser(1.25, name -> 0, () -> 0);
        assertThat(chooser.cap(0, 3)).isEqualTo(1);   // ceil(1.25 / 3)
        assertThat(chooser.cap(10, 3)).isEqualTo(5);  // ceil(4.58)
        assertThat(chooser.cap(11, 3)).isEqualTo(5);  // ceil(5.0)
        assertThat(chooser.cap(12, 3)).isEqualTo(6);  // ceil(5.42)
        assertThat(chooser.cap(59, 3)).isEqualTo(25); // ceil(25.0)
        assertThat(new BoundedLoadChooser(2.0, name -> 0, () -> 0).cap(5, 4)).isEqualTo(3);
        assertThatThrownBy(() -> new BoundedLoadChooser(1.0, name -> 0, () -> 0)).hasMessageContaining("above 1.0 (e.g. 1.25), got 1.0");
    }

    @Test
    void theOwnerUnderItsCapThenTheNextInTheFallbackOrderThatIs() throws RingFullException {
        for (RingStrategy strategy : List.of(RingConfig.defaults(), new HashRing.Config(160), new MaglevTable.Config(65537))) {
            Ring<Backend> ring = ring(strategy, 3);
            List<Node<Backend>> order = ring.fallbackOrder(HOT);
            Map<String, Integer> load = new HashMap<>();
            BoundedLoadChooser chooser = new BoundedLoadChooser(1.25, name -> load.getOrDefault(name, 0),
                    () -> load.values().stream().mapToInt(Integer::intValue).sum());
            assertThat(chooser.pick(ring, HOT, List.of())).isSameAs(order.get(0));
            load.put(order.get(0).name(), 1); // cap ceil(1.25 * 2 / 3) = 1: the owner is full
            assertThat(chooser.pick(ring, HOT, List.of())).isSameAs(order.get(1));
            load.put(order.get(0).name(), 4);
            load.put(order.get(1).name(), 3); // 7 in flight: cap ceil(1.25 * 8 / 3) = 4
            assertThat(chooser.pick(ring, HOT, List.of())).isSameAs(order.get(1));
            load.put(order.get(1).name(), 4);
            assertThat(chooser.pick(ring, HOT, List.of())).isSameAs(order.get(2));
            // a retry skips what was tried, even when it is under the cap
            load.clear();
            assertThat(chooser.pick(ring, HOT, List.of(order.get(0).name()))).isSameAs(order.get(1));
            assertThat(chooser.pick(ring, HOT, List.of(order.get(0).name(), order.get(1).name()))).isSameAs(order.get(2));
            assertThat(chooser.pick(ring, HOT, order.stream().map(Node::name).toList())).isNull();
            // every untried one over the cap: the first untried in order
            load.put(order.get(1).name(), 50);
            load.put(order.get(2).name(), 50);
            assertThat(chooser.pick(ring, HOT, List.of(order.get(0).name()))).isSameAs(order.get(1));
            assertThat(chooser.pick(strategy.empty(), HOT, List.of())).isNull();
        }
    }

    @Test
    void withoutBoundsTheOwnerThenTheFallbackOrder() throws RingFullException {
        Ring<Backend> ring = ring(new MaglevTable.Config(65537), 4);
        ReplicaChooser chooser = ReplicaChooser.of(OptionalDouble.empty(), new InFlight());
        List<Node<Backend>> order = ring.fallbackOrder(HOT);
        List<String> tried = new ArrayList<>();
        for (Node<Backend> expected : order) {
            assertThat(chooser.pick(ring, HOT, tried)).isSameAs(expected);
            tried.add(expected.name());
        }
        assertThat(chooser.pick(ring, HOT, tried)).isNull();
        assertThat(chooser.pick(ring.without("server-1").without("server-2").without("server-3").without("server-4"), HOT, List.of())).isNull();
        assertThat(ReplicaChooser.of(OptionalDouble.of(1.5), new InFlight())).isInstanceOf(BoundedLoadChooser.class);
    }

    /**
     * Many threads begin and end requests on every replica while others pick: each pick is checked against the counts
     * the chooser itself read, since the live ones move on under it: no pick is at the cap it saw while a replica it saw
     * was under it, and every replica before the pick in the fallback order was at the cap.
     */
    @Test
    void underConcurrentInFlightChangesNoPickExceedsTheCapWhenAReplicaUnderItExists() throws Exception {
        Ring<Backend> ring = ring(new MaglevTable.Config(65537), 5);
        InFlight inFlight = new InFlight();
        ThreadLocal<Map<String, Integer>> seen = ThreadLocal.withInitial(HashMap::new);
        ThreadLocal<int[]> seenTotal = ThreadLocal.withInitial(() -> new int[1]);
        BoundedLoadChooser chooser = new BoundedLoadChooser(1.25, name -> {
            int load = inFlight.of(name);
            seen.get().put(name, load);
            return load;
        }, () -> seenTotal.get()[0] = inFlight.total());
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
                    String name = "server-" + (1 + random.nextInt(5));
                    inFlight.begin(name);
                    if (random.nextInt(4) == 0) Thread.yield();
                    inFlight.end(name);
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
                    seen.get().clear();
                    Node<Backend> pick = chooser.pick(ring, id, List.of());
                    int cap = chooser.cap(seenTotal.get()[0], 5);
                    Map<String, Integer> loads = seen.get();
                    // at or over the cap only when the chooser saw every replica there
                    boolean allFull = loads.size() == 5 && loads.values().stream().allMatch(l -> l >= cap);
                    if (loads.get(pick.name()) >= cap && !allFull) violations.add(pick.name() + " at " + loads + " cap " + cap);
                    for (Node<Backend> before : ring.fallbackOrder(id)) {
                        if (before == pick) break;
                        if (loads.get(before.name()) < cap) violations.add("skipped " + before.name() + " at " + loads + " cap " + cap);
                    }
                    if (pick != ring.lookup(id)) spilled.incrementAndGet();
                    picks.incrementAndGet();
                    inFlight.begin(pick.name());
                    Thread.yield();
                    inFlight.end(pick.name());
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
        assertThat(inFlight.total()).isZero();
    }
}

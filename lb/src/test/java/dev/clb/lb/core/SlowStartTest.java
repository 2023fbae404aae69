package dev.clb.lb.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.clb.hashmap.HashRing;
import dev.clb.hashmap.MaglevTable;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.backend.SlowStart;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Slow start's rule, on real rings and the real choosers, on a ticker the test moves. */
class SlowStartTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final long FIRST = 100_000, IDS = 20_000;
    private final MockTicker clock = Ticker.newMockTicker();

    SlowStartTest() {
        clock.advance(1, TimeUnit.HOURS); // a ticker's time as a running JVM's would be: well past 0
    }
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());

    /** {@code server-1..n}, present from the start; the last, {@code server-n}, then joins afresh at the clock's now. */
    private Ring<Replica> ringWithAFreshLast(RingStrategy strategy, int n) throws RingFullException {
        Ring<Replica> ring = strategy.empty();
        for (int i = 1; i <= n; i++) ring = ring.with(new Node<>("server-" + i, i, made.of(new Backend("server-" + i, "127.0.0.1", 1000 + i))));
        fresh(ring).slowStart().joined(clock);
        return ring;
    }

    private static Replica fresh(Ring<Replica> ring) {
        return ring.nodes().get(ring.size() - 1).value();
    }

    private static List<RingStrategy> strategies() {
        return List.of(RingConfig.defaults(), new HashRing.Config(160), new MaglevTable.Config(65537));
    }

    private List<ReplicaChooser> choosers(Duration window) {
        return List.of(ReplicaChooser.of(OptionalDouble.empty(), made::inFlight, () -> window),
                ReplicaChooser.of(OptionalDouble.of(1000.0), made::inFlight, () -> window));
    }

    private void advance(Duration by) {
        clock.advance(by.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Test
    void aKeyBelowTheElapsedFractionGoesToTheFreshReplicaOneAboveToTheNextAndNobodyElsesKeysMove() throws RingFullException {
        for (RingStrategy strategy : strategies()) {
            for (ReplicaChooser chooser : choosers(WINDOW)) {
                Ring<Replica> ring = ringWithAFreshLast(strategy, 4);
                Replica fresh = fresh(ring);
                advance(WINDOW.multipliedBy(3).dividedBy(10));
                int below = 0, above = 0;
                for (long id = FIRST; id < FIRST + IDS; id++) {
                    Node<Replica> owner = ring.lookup(id);
                    Node<Replica> picked = chooser.pick(ring, id, List.of(), clock);
                    if (owner.value() != fresh) {
                        assertThat(picked).as("%s: id %d", strategy, id).isSameAs(owner);
                    } else if (SlowStart.hashFraction(id) < 0.3) {
                        below++;
                        assertThat(picked).as("%s: id %d below the threshold", strategy, id).isSameAs(owner);
                    } else {
                        above++;
                        assertThat(picked).as("%s: id %d above the threshold", strategy, id).isSameAs(ring.fallbackOrder(id).get(1));
                    }
                }
                assertThat(below).as("not vacuous").isGreaterThan(100);
                assertThat(above).as("not vacuous").isGreaterThan(300);
                // a retry after the next replica failed still reaches it: it is passed over, not gone
                long id = FIRST;
                while (ring.lookup(id).value() != fresh || SlowStart.hashFraction(id) < 0.3) id++;
                List<Replica> others = ring.nodes().stream().map(Node::value).filter(r -> r != fresh).toList();
                assertThat(chooser.pick(ring, id, others, clock).value()).isSameAs(fresh);
            }
        }
    }

    @Test
    void itsShareOfItsKeysRisesLinearlyOverTheWindowAndEachKeyMovesOnceThenAllAreItsAfterIt() throws RingFullException {
        for (RingStrategy strategy : strategies()) {
            for (ReplicaChooser chooser : choosers(WINDOW)) {
                Ring<Replica> ring = ringWithAFreshLast(strategy, 4);
                Replica fresh = fresh(ring);
                List<Long> its = new ArrayList<>();
                for (long id = FIRST; id < FIRST + IDS; id++) if (ring.lookup(id).value() == fresh) its.add(id);
                assertThat(its).as("not vacuous").hasSizeGreaterThan(500);
                boolean[] moved = new boolean[its.size()];
                for (int tenth = 0; tenth <= 10; tenth++) {
                    int taken = 0;
                    for (int k = 0; k < its.size(); k++) {
                        boolean takes = chooser.pick(ring, its.get(k), List.of(), clock).value() == fresh;
                        assertThat(!takes && moved[k]).as("%s: id %d came back to the next replica", strategy, its.get(k)).isFalse();
                        moved[k] = takes;
                        if (takes) taken++;
                    }
                    double expected = tenth / 10.0, sigma = Math.sqrt(expected * (1 - expected) / its.size());
                    assertThat((double) taken / its.size()).as("%s at %d/10 of the window", strategy, tenth)
                            .isCloseTo(expected, within(4 * sigma + 0.02));
                    assertThat(fresh.slowStart().until(WINDOW.toNanos(), clock, Clock.systemUTC()).isPresent()).isEqualTo(tenth < 10);
                    advance(WINDOW.dividedBy(10));
                }
            }
        }
    }

    @Test
    void offItTakesEveryKeyAtOnceWithoutReadingTheClockOrAllocating() throws RingFullException {
        Ticker unread = new Ticker() {
            @Override
            public long initialNanoTime() {
                return 0;
            }

            @Override
            public long nanoTime() {
                throw new AssertionError("the clock was read with slow start off");
            }

            @Override
            public void sleep(long delay, TimeUnit unit) {
                throw new UnsupportedOperationException();
            }
        };
        for (RingStrategy strategy : strategies()) {
            for (ReplicaChooser chooser : choosers(Duration.ZERO)) {
                Ring<Replica> ring = ringWithAFreshLast(strategy, 4);
                for (long id = FIRST; id < FIRST + IDS; id++) assertThat(chooser.pick(ring, id, List.of(), unread)).isSameAs(ring.lookup(id));
            }
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Ring<Replica> ring = ringWithAFreshLast(new MaglevTable.Config(65537), 4);
        ReplicaChooser chooser = choosers(Duration.ZERO).get(0);
        List<Replica> none = List.of();
        long sum = 0;
        for (long id = FIRST; id < FIRST + IDS; id++) sum += chooser.pick(ring, id, none, unread).ringId(); // warmed up
        long before = threads.getCurrentThreadAllocatedBytes();
        for (long id = FIRST; id < FIRST + IDS; id++) sum += chooser.pick(ring, id, none, unread).ringId();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(sum).isPositive();
        assertThat(allocated).as("bytes allocated by %d first picks", IDS).isZero();
    }
}

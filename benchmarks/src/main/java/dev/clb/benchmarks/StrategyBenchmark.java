package dev.clb.benchmarks;

import dev.clb.hashmap.HashRing;
import dev.clb.hashmap.MaglevTable;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.hashmap.RingStrategy;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** A lookup on the request path under each strategy, at N = 3 and N = 50 (target: at most 10 ns). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class StrategyBenchmark {
    @Param({"slots", "ring", "maglev"})
    String strategy;

    @Param({"3", "50"})
    int replicas;

    private Ring<String> ring;
    private final long[] ids = new long[1024];
    private int next;

    static RingStrategy named(String strategy) {
        return switch (strategy) {
            case "slots" -> RingConfig.defaults();
            case "ring" -> new HashRing.Config(HashRing.DEFAULT_POINTS);
            case "ring1024" -> new HashRing.Config(1024);
            case "maglev" -> new MaglevTable.Config(MaglevTable.DEFAULT_TABLE_SIZE);
            default -> throw new IllegalArgumentException(strategy);
        };
    }

    static Ring<String> ring(RingStrategy strategy, int replicas) throws RingFullException {
        Ring<String> ring = strategy.empty();
        for (int i = 1; i <= replicas; i++) ring = ring.with(new Node<>("server-" + i, i, "server-" + i));
        return ring;
    }

    @Setup
    public void setUp() throws RingFullException {
        ring = ring(named(strategy), replicas);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < ids.length; i++) ids[i] = random.nextLong(100_000, 1_000_000);
    }

    @Benchmark
    public Node<String> lookup() {
        return ring.lookup(ids[next++ & (ids.length - 1)]);
    }
}

package dev.clb.benchmarks;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingFullException;
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

/**
 * A membership change: the 50th replica joining 49, which rebuilds the whole snapshot (a Maglev table of 65537
 * entries, or a ring of 50 x 160 or 50 x 1024 points). Target for Maglev: at most 20 ms.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class StrategyBuildBenchmark {
    @Param({"ring", "ring1024", "maglev"})
    String strategy;

    private Ring<String> fortyNine;
    private final Node<String> fiftieth = new Node<>("server-50", 50, "server-50");

    @Setup
    public void setUp() throws RingFullException {
        fortyNine = StrategyBenchmark.ring(StrategyBenchmark.named(strategy), 49);
    }

    @Benchmark
    public Ring<String> addFiftiethReplica() throws RingFullException {
        return fortyNine.with(fiftieth);
    }
}

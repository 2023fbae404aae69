package dev.clb.benchmarks;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Probing;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
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

/** Cost of a lookup on the request path, and of adding or removing a replica, at N = 3 and N = 50. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RingBenchmark {
    @Param({"assignment", "murmur"})
    String hash;

    @Param({"3", "50"})
    int replicas;

    private ConsistentHashMap<String> map;
    private Ring<String> ring;
    private Node<String> extra;
    private final long[] ids = new long[1024];
    private int next;

    @Setup
    public void setUp() throws RingFullException {
        map = new ConsistentHashMap<>(RingConfig.of(512, HashScheme.named(hash), Probing.LINEAR));
        for (int i = 1; i <= replicas; i++) map.add("server-" + i, "server-" + i);
        ring = map.ring();
        extra = new Node<>("extra", replicas + 1, "extra");
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < ids.length; i++) ids[i] = random.nextLong(100_000, 1_000_000);
    }

    @Benchmark
    public Node<String> lookup() {
        return map.lookup(ids[next++ & (ids.length - 1)]);
    }

    @Benchmark
    public Ring<String> addReplica() throws RingFullException {
        return ring.with(extra);
    }

    @Benchmark
    public Ring<String> removeReplica() {
        return ring.without("server-1");
    }
}

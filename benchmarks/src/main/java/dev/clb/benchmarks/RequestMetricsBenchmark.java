package dev.clb.benchmarks;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.proxy.ProxyEvents;
import dev.clb.lb.observability.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the metrics cost each proxied request: one {@code completed} (the requests counter by replica and status, the
 * duration histogram) on one event loop, and on two at once (both event loops of the benchmark machine counting
 * into the same meters). The load balancer spends about 30 µs of CPU per request (make bench), against which the
 * nanoseconds here are read.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestMetricsBenchmark {
    @State(Scope.Benchmark)
    public static class Registry {
        Metrics metrics;
        ProxyEvents events;
        List<Optional<Replica>> replicas;

        @Setup(Level.Trial)
        public void setUp() {
            metrics = new Metrics(Duration.ofMinutes(2));
            events = metrics.requests();
            ReplicaFactory made = new ReplicaFactory(2, metrics.registry());
            replicas = List.of("server-1", "server-2", "server-3").stream()
                    .map(name -> Optional.of(made.of(new Backend(name, "127.0.0.1", 1)))).toList();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            metrics.close();
        }
    }

    /** Each thread's own request stream: replicas in turn, durations spread over the histogram's lower buckets. */
    @State(Scope.Thread)
    public static class Stream {
        private static final AtomicInteger THREADS = new AtomicInteger();
        private final int seed = THREADS.getAndIncrement();
        private long n;

        private static final ProxyEvents.Edge EDGE = new ProxyEvents.Edge("HTTP/1.1", "http", "none");

        ProxyEvents.Exchange next(List<Optional<Replica>> replicas) {
            n++;
            return new ProxyEvents.Exchange(0L, "127.0.0.1", "GET", "/home", EDGE, 200, replicas.get((int) ((n + seed) % 3)),
                    1, 300_000 + (n & 1023) * 2_000);
        }
    }

    @Benchmark
    @Threads(1)
    public void oneLoop(Registry registry, Stream stream) {
        registry.events.completed(stream.next(registry.replicas));
    }

    @Benchmark
    @Threads(2)
    public void twoLoops(Registry registry, Stream stream) {
        registry.events.completed(stream.next(registry.replicas));
    }
}

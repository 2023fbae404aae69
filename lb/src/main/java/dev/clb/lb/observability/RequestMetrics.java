package dev.clb.lb.observability;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.http.ProxyEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts client requests by replica and status, their durations and the retries. Runs on the event loops: the
 * meters are looked up in registry once per (replica, status) and cached here, so a request costs two
 * map/array reads and LongAdder increments, without a lock the event loops share.
 */
public final class RequestMetrics implements ProxyEvents {
    /** {@code replica} label of requests the load balancer answered itself (no replica could, or it was malformed). */
    public static final String NO_REPLICA = "none";
    private static final Duration[] BUCKETS = {Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
            Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};
    private static final int STATUSES = 1000;

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, ReplicaMeters> byReplica = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> retries = new ConcurrentHashMap<>();

    RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One replica's meters; counters by status are registered on first use. */
    private final class ReplicaMeters {
        final String replica;
        final Timer duration;
        final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(STATUSES);

        ReplicaMeters(String replica) {
            this.replica = replica;
            this.duration = Timer.builder("lb.request.duration").description("Client requests from first byte read to answer")
                    .tag("replica", replica).serviceLevelObjectives(BUCKETS).register(registry);
        }

        Counter status(int code) {
            int index = code >= 0 && code < STATUSES ? code : 0;
            Counter counter = byStatus.get(index);
            if (counter == null) {
                // registering twice is harmless: the registry hands back the same counter
                counter = Counter.builder("lb.requests").description("Client requests answered, by replica and status")
                        .tag("replica", replica).tag("code", Integer.toString(code)).register(registry);
                byStatus.set(index, counter);
            }
            return counter;
        }
    }

    @Override
    public void completed(Exchange exchange) {
        ReplicaMeters meters = meters(exchange.replica().orElse(NO_REPLICA));
        meters.status(exchange.status()).increment();
        meters.duration.record(exchange.durationNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void retried(Backend failed) {
        Counter counter = retries.get(failed.hostname());
        if (counter == null) {
            counter = retries.computeIfAbsent(failed.hostname(), name -> Counter.builder("lb.upstream.retries")
                    .description("Attempts that failed and were retried on the next replica, by the replica that failed")
                    .tag("replica", name).register(registry));
        }
        counter.increment();
    }

    /** How many requests {@code replica} answered and how long they took in all, for the dashboard's rates. */
    public Optional<Timer> duration(String replica) {
        return Optional.ofNullable(byReplica.get(replica)).map(m -> m.duration);
    }

    private ReplicaMeters meters(String replica) {
        ReplicaMeters meters = byReplica.get(replica);
        return meters != null ? meters : byReplica.computeIfAbsent(replica, ReplicaMeters::new);
    }
}

package dev.clb.lb.backend;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.noop.NoopCounter;
import io.micrometer.core.instrument.noop.NoopTimer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code replica}-labelled series of one replica: its request durations, retries and outlier ejections, registered when it joins the
 * ring (not before: a standby or a replica that never fits adds none), so that they exist at 0 from that moment; its
 * requests by status are registered at a status's first use (the codes are not known ahead) and cached here. Counting
 * costs a volatile read, an array read and LongAdder increments on the event loops, without a lock (but for a status's
 * first answer). {@link #remove} takes the series out of the registry once the replica has left for the retention
 * (what is counted on it after that is dropped); {@link #joined} registers fresh ones when it returns (a static
 * backend), which Prometheus' {@code rate()} reads as a counter reset.
 */
public final class ReplicaMeters {
    private static final List<String> NAMES = List.of("lb.requests", "lb.request.duration", "lb.upstream.retries", "lb.outlier.ejections");
    private static final Duration[] BUCKETS = {Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
            Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};
    private static final int STATUSES = 1000;

    private final MeterRegistry registry;
    private final String replica;
    /** False for labels no ring holds (the admin server, the load balancer's own): no retries, no ejections. */
    private final boolean inRing;
    /** Null until it joins (a request that reaches it first, in the moment between, registers them); then registered or removed. */
    private volatile Series current;

    private ReplicaMeters(MeterRegistry registry, String replica, boolean inRing) {
        this.registry = registry;
        this.replica = replica;
        this.inRing = inRing;
    }

    /** A replica's series, under its hostname. */
    static ReplicaMeters of(MeterRegistry registry, String hostname) {
        return new ReplicaMeters(registry, hostname, true);
    }

    /** Answers labelled {@code label} that no replica can have retried (the admin server's, the load balancer's own), registered now. */
    public static ReplicaMeters answersOnly(MeterRegistry registry, String label) {
        ReplicaMeters meters = new ReplicaMeters(registry, label, false);
        meters.joined();
        return meters;
    }

    /** A request it answered (or, for the load balancer's own label, none did) with {@code status}, after {@code nanos}. */
    public void answered(int status, long nanos) {
        Series series = series();
        series.status(status).increment();
        series.duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** An attempt on it failed and the request went on to another replica. */
    public void retried() {
        series().retries.increment();
    }

    /** It was ejected from routing as an outlier. */
    public void ejected() {
        series().ejections.increment();
    }

    /** Requests answered and their durations, for the dashboard's rates. */
    public Timer duration() {
        return series().duration;
    }

    /** It is in the ring: its series are registered, at 0, unless they are already. */
    public synchronized void joined() {
        Series series = current;
        if (series == null || series.removed) current = new Series(false);
    }

    /** Takes its series out of the registry, those an event loop registered meanwhile too; later counts are dropped until it joins again. */
    public synchronized void remove() {
        current = new Series(true);
        for (String name : NAMES) registry.find(name).tag("replica", replica).meters().forEach(registry::remove);
    }

    private Series series() {
        Series series = current;
        if (series != null) return series;
        joined();
        return current;
    }

    /** One registration of the series, or none ({@code removed}: meters that count into nothing). */
    private final class Series {
        final boolean removed;
        final Timer duration;
        final Counter retries;
        final Counter ejections;
        final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(STATUSES);

        Series(boolean removed) {
            this.removed = removed;
            Timer.Builder timer = Timer.builder("lb.request.duration").description("Client requests from first byte read to answer")
                    .tag("replica", replica).serviceLevelObjectives(BUCKETS);
            Counter.Builder retried = Counter.builder("lb.upstream.retries")
                    .description("Attempts that failed and were retried on the next replica, by the replica that failed").tag("replica", replica);
            this.duration = removed ? new NoopTimer(null) : timer.register(registry);
            Counter.Builder ejected = Counter.builder("lb.outlier.ejections")
                    .description("Times the replica was ejected from routing after failures in a row (--outlier-5xx)").tag("replica", replica);
            this.retries = removed || !ReplicaMeters.this.inRing ? new NoopCounter(null) : retried.register(registry);
            this.ejections = removed || !ReplicaMeters.this.inRing ? new NoopCounter(null) : ejected.register(registry);
        }

        Counter status(int code) {
            int index = code >= 0 && code < STATUSES ? code : 0;
            Counter counter = byStatus.get(index);
            return counter != null ? counter : register(index, code);
        }

        /**
         * A status's first answer on this registration, under the lock {@link #remove} takes, so that no counter is
         * registered after the series were removed (by an event loop that read them just before): it counts on the
         * registration current now.
         */
        private Counter register(int index, int code) {
            synchronized (ReplicaMeters.this) {
                if (current != this) return current.status(code);
                Counter counter = byStatus.get(index);
                if (counter == null) {
                    counter = removed ? new NoopCounter(null) : Counter.builder("lb.requests").description("Client requests answered, by replica and status")
                            .tag("replica", replica).tag("code", Integer.toString(code)).register(registry);
                    byStatus.set(index, counter);
                }
                return counter;
            }
        }
    }
}

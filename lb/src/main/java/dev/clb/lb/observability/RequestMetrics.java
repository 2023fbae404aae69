package dev.clb.lb.observability;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.proxy.ProxyEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;

/**
 * Counts client requests by replica and status, their durations and the retries. Runs on the event loops: the
 * meters are looked up in registry once per (replica, status) and cached here, so a request costs two
 * map/array reads and LongAdder increments, without a lock the event loops share.
 *
 * <p>A replica's series go once it has left the ring, has had nothing in flight for the retention (so that scrapes
 * see its last counts) and is still out: otherwise every replacement would add series for good, and a crash loop
 * would grow {@code /metrics} without bound. {@link #sweep} removes them, off the event loops (on a ring change and
 * before a scrape): first from the registry, then from the cache here, so an event loop never keeps counting into a
 * removed meter: one that still held the old meters loses at most the count it was making, and the next lookup
 * registers new ones. A replica that is back (a static backend that answers again) starts its series from zero,
 * which Prometheus' {@code rate()} reads as a counter reset.
 */
public final class RequestMetrics implements ProxyEvents {
    /** {@code replica} label of requests the load balancer answered itself (no replica could, or it was malformed). */
    public static final String NO_REPLICA = "none";
    private static final List<String> PER_REPLICA = List.of("lb.requests", "lb.request.duration", "lb.upstream.retries");
    private static final Duration[] BUCKETS = {Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
            Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};
    private static final int STATUSES = 1000;

    private final MeterRegistry registry;
    private final long retentionNanos;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, ReplicaMeters> byReplica = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> retries = new ConcurrentHashMap<>();
    /** By protocol, then TLS version: a handful of series, kept for good; two lookups, so the request path builds no key. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter>> byProtocol = new ConcurrentHashMap<>();
    /** Sweeps only (never an event loop): replicas out of the ring, since when (nanos) with nothing in flight. */
    private final Map<String, Long> outSince = new HashMap<>();
    private volatile Set<String> ring = Set.of();
    private volatile ToIntFunction<String> inFlight = replica -> 0;

    RequestMetrics(MeterRegistry registry, Duration retention, LongSupplier clock) {
        this.registry = registry;
        this.retentionNanos = retention.toNanos();
        this.clock = clock;
    }

    /** Where the sweep learns what each replica has in flight. */
    void inFlight(ToIntFunction<String> inFlight) {
        this.inFlight = inFlight;
    }

    /** A new ring is installed with {@code hostnames}: those of replicas that left it start their retention. */
    void ringChanged(List<String> hostnames) {
        ring = Set.copyOf(hostnames);
        sweep();
    }

    /** Removes the series of replicas out of the ring, with nothing in flight, for at least the retention. */
    synchronized void sweep() {
        long now = clock.getAsLong();
        Set<String> ring = this.ring;
        Set<String> known = new HashSet<>(byReplica.keySet());
        known.addAll(retries.keySet());
        for (String meter : PER_REPLICA) { // and any an event loop registered through meters just dropped
            registry.find(meter).meters().forEach(m -> known.add(m.getId().getTag("replica")));
        }
        known.remove(null);
        known.removeAll(List.of(NO_REPLICA, Backend.ADMIN));
        outSince.keySet().retainAll(known);
        for (String replica : known) {
            if (ring.contains(replica)) {
                outSince.remove(replica);
            } else if (inFlight.applyAsInt(replica) > 0) {
                outSince.put(replica, now);
            } else if (now - outSince.computeIfAbsent(replica, r -> now) >= retentionNanos) {
                for (String meter : PER_REPLICA) registry.find(meter).tag("replica", replica).meters().forEach(registry::remove);
                byReplica.remove(replica);
                retries.remove(replica);
                outSince.remove(replica);
            }
        }
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
        protocol(exchange.edge()).increment();
    }

    /** The TLS version tells the scheme too (none: http), so it is the second key. */
    private Counter protocol(ProxyEvents.Edge edge) {
        ConcurrentHashMap<String, Counter> byTls = byProtocol.get(edge.protocol());
        if (byTls == null) byTls = byProtocol.computeIfAbsent(edge.protocol(), p -> new ConcurrentHashMap<>());
        Counter counter = byTls.get(edge.tls());
        return counter != null ? counter : byTls.computeIfAbsent(edge.tls(), s -> Counter.builder("lb.client.requests")
                .description("Client requests answered, by protocol (HTTP/1.1, HTTP/1.0, HTTP/2), scheme (https on the TLS port) and TLS version (none on the plain port)")
                .tag("protocol", edge.protocol()).tag("scheme", edge.scheme()).tag("tls", edge.tls()).register(registry));
    }

    /** Requests answered so far by protocol and scheme, e.g. {@code HTTP/2 https}, for the dashboard's mix. */
    public Map<String, Long> protocols() {
        Map<String, Long> mix = new TreeMap<>();
        for (Counter counter : byProtocol.values().stream().flatMap(byTls -> byTls.values().stream()).toList()) {
            mix.merge(counter.getId().getTag("protocol") + " " + counter.getId().getTag("scheme"), (long) counter.count(), Long::sum);
        }
        return mix;
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

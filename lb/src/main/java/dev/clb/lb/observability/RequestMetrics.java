package dev.clb.lb.observability;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaMeters;
import dev.clb.lb.proxy.ProxyEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts client requests by replica and status, their durations and the retries, on each replica's own
 * {@link ReplicaMeters} (the load balancer's own answers on those of {@value #NO_REPLICA}). Runs on the event loops:
 * a request costs an array read and LongAdder increments, without a lock the event loops share.
 *
 * <p>A replica's series go once it has left the ring, has had nothing in flight for the retention (so that scrapes
 * see its last counts) and is still out: otherwise every replacement would add series for good, and a crash loop
 * would grow {@code /metrics} without bound. The departed replica objects are kept here for that, and only until then;
 * {@link #sweep} removes their series off the event loops (on a ring change and before a scrape). A replica that is back
 * (a static backend that answers again, the same object) registers its series again from zero, which Prometheus'
 * {@code rate()} reads as a counter reset.
 */
public final class RequestMetrics implements ProxyEvents {
    /** {@code replica} label of requests the load balancer answered itself (no replica could, or it was malformed). */
    public static final String NO_REPLICA = "none";

    private final MeterRegistry registry;
    private final long retentionNanos;
    private final LongSupplier clock;
    private final ReplicaMeters unrouted;
    /** By protocol, then TLS version: a handful of series, kept for good; two lookups, so the request path builds no key. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter>> byProtocol = new ConcurrentHashMap<>();
    /** Sweeps only (never an event loop): the replicas that left the ring with their series still registered, since when (nanos) with nothing in flight. */
    private final Map<Replica, Long> departed = new HashMap<>();
    private Ring<Replica> ring;

    RequestMetrics(MeterRegistry registry, Duration retention, LongSupplier clock) {
        this.registry = registry;
        this.retentionNanos = retention.toNanos();
        this.clock = clock;
        this.unrouted = ReplicaMeters.answersOnly(registry, NO_REPLICA);
    }

    /**
     * A new ring is installed: the series of the replicas in it are registered (at 0 for one that joins); those that left
     * it start their retention.
     */
    synchronized void ringChanged(Ring<Replica> next) {
        Set<Replica> now = new HashSet<>(); // by identity: Replica does not override equals
        for (Node<Replica> node : next.nodes()) {
            now.add(node.value());
            node.value().meters().joined();
            departed.remove(node.value());
        }
        if (ring != null) {
            long at = clock.getAsLong();
            for (Node<Replica> node : ring.nodes()) {
                if (!now.contains(node.value())) departed.putIfAbsent(node.value(), at);
            }
        }
        ring = next;
        sweep();
    }

    /**
     * Removes the series of replicas out of the ring, with nothing in flight, for at least the retention. One whose
     * hostname a replica in the ring has taken since (an {@code /add} of a removed name) shares its series: those stay.
     */
    synchronized void sweep() {
        long now = clock.getAsLong();
        Set<String> inRing = new HashSet<>();
        if (ring != null) ring.nodes().forEach(node -> inRing.add(node.name()));
        for (Iterator<Map.Entry<Replica, Long>> it = departed.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Replica, Long> out = it.next();
            Replica replica = out.getKey();
            if (inRing.contains(replica.hostname())) {
                it.remove();
            } else if (replica.inFlight() > 0) {
                out.setValue(now);
            } else if (now - out.getValue() >= retentionNanos) {
                replica.meters().remove();
                it.remove();
            }
        }
    }

    @Override
    public void completed(Exchange exchange) {
        ReplicaMeters meters = exchange.replica().isPresent() ? exchange.replica().get().meters() : unrouted;
        meters.answered(exchange.status(), exchange.durationNanos());
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
    public void retried(Replica failed) {
        failed.meters().retried();
    }

    /** How many requests the load balancer answered itself and how long they took in all, for the dashboard. */
    public Timer unrouted() {
        return unrouted.duration();
    }
}

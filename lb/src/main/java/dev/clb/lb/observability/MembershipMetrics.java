package dev.clb.lb.observability;

import dev.clb.lb.events.MembershipEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

/** Counts failures, replacements, ring changes and heartbeats, and keeps the latest of them for the dashboard. */
public final class MembershipMetrics implements MembershipEvents {
    private static final int RECENT = 50;
    private static final Duration[] HEARTBEAT_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1)};

    /** Something that happened to the replica set, as the dashboard lists it. */
    public record Event(long epochMillis, String kind, String replica, String detail) {
    }

    private final MeterRegistry registry;
    private final Map<FailureReason, Counter> failures = new EnumMap<>(FailureReason.class);
    private final Counter respawns;
    private final Counter ringChanges;
    private final Map<String, Timer> heartbeats = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<Event> recent = new ConcurrentLinkedDeque<>();

    MembershipMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (FailureReason reason : FailureReason.values()) {
            failures.put(reason, Counter.builder("lb.replica.failures").description("Replicas (or standbys) declared failed, by reason")
                    .tag("reason", reason.label()).register(registry));
        }
        respawns = Counter.builder("lb.replica.respawns").description("Failed replicas replaced in the ring").register(registry);
        ringChanges = Counter.builder("lb.ring.changes").description("New rings installed").register(registry);
    }

    @Override
    public void failed(String hostname, FailureReason reason) {
        failures.get(reason).increment();
        remember(new Event(System.currentTimeMillis(), "failure", hostname, reason.label()));
    }

    @Override
    public void respawned(String failed, String replacement, int ringId) {
        respawns.increment();
        remember(new Event(System.currentTimeMillis(), "respawn", replacement, "replaces " + failed + " on ring id " + ringId));
    }

    @Override
    public void ringChanged(List<String> hostnames) {
        ringChanges.increment();
    }

    @Override
    public void heartbeat(long durationNanos, String outcome) {
        heartbeats.computeIfAbsent(outcome, o -> Timer.builder("lb.heartbeat.duration")
                        .description("Monitoring heartbeats, by outcome (alive, refused, missed)")
                        .tag("outcome", o).serviceLevelObjectives(HEARTBEAT_BUCKETS).register(registry))
                .record(durationNanos, TimeUnit.NANOSECONDS);
    }

    /** The latest events, newest first. */
    public List<Event> recent() {
        return List.copyOf(recent);
    }

    private void remember(Event event) {
        recent.addFirst(event);
        while (recent.size() > RECENT) recent.pollLast();
    }
}

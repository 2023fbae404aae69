package dev.clb.lb.membership;

import dev.clb.lb.backend.Replica;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import dev.clb.lb.health.HeartbeatProbe;
import dev.clb.lb.runtime.ReplicaRuntime;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm standbys: replicas started ahead with random hostnames, answering heartbeats, none in the map, so that a
 * failed replica is replaced without waiting for a JVM to start. The pool keeps {@code wanted} of them; a start that
 * fails is tried again with a back-off (see {@link Backoff}).
 */
final class StandbyPool {
    private static final Logger log = LoggerFactory.getLogger(StandbyPool.class);
    private static final Duration LIVE_CHECK = Duration.ofMillis(250);

    private final Spawner spawner;
    private final ReplicaRuntime runtime;
    private final HeartbeatProbe probe;
    private final Executor executor;
    private final Supplier<String> reserveName;
    private final Consumer<String> releaseName;
    private final ConcurrentLinkedDeque<Replica> ready = new ConcurrentLinkedDeque<>();
    private final AtomicInteger starting = new AtomicInteger();
    private final Backoff retry;
    private volatile int wanted;

    /**
     * {@code reserveName} picks a hostname no one uses and keeps others from picking it until {@code releaseName}
     * (once the standby is in the pool or its start failed).
     */
    StandbyPool(int wanted, Spawner spawner, ReplicaRuntime runtime, HeartbeatProbe probe, Executor executor,
                Supplier<String> reserveName, Consumer<String> releaseName) {
        this.wanted = wanted;
        this.spawner = spawner;
        this.runtime = runtime;
        this.probe = probe;
        this.executor = executor;
        this.reserveName = reserveName;
        this.releaseName = releaseName;
        this.retry = new Backoff(Backoff.FIRST, Backoff.MAX, executor, this::refill);
    }

    List<Replica> standbys() {
        return List.copyOf(ready);
    }

    List<String> hostnames() {
        return ready.stream().map(Replica::hostname).toList();
    }

    int wanted() {
        return wanted;
    }

    /** Takes back standbys a predecessor left running. */
    void adopt(List<Replica> standbys) {
        ready.addAll(standbys);
    }

    /** The first standby that still answers a heartbeat now (the object then joins the map); those that do not are stopped. */
    Optional<Replica> takeLive() {
        Replica standby;
        while ((standby = ready.pollFirst()) != null) {
            if (probe.beat(standby.address(), LIVE_CHECK).join() == Outcome.ALIVE) return Optional.of(standby);
            log.warn("standby {} does not answer; discarding it", standby.hostname());
            runtime.stop(standby.hostname(), true);
        }
        return Optional.empty();
    }

    /** When {@code failed} is a standby: stops it, starts another, and says so; otherwise does nothing. */
    boolean replaceFailed(Replica failed, String reason) {
        if (!ready.removeIf(s -> s.hostname().equals(failed.hostname()))) return false;
        log.warn("standby {} failed ({}); starting another", failed.hostname(), reason);
        runtime.stop(failed.hostname(), true);
        refill();
        return true;
    }

    /** Starts, in the background, as many standbys as the pool lacks. */
    void refill() {
        while (ready.size() + starting.get() < wanted) {
            starting.incrementAndGet();
            executor.execute(this::startOne);
        }
    }

    private void startOne() {
        try {
            String name = reserveName.get();
            try {
                long t0 = System.nanoTime();
                Replica standby = spawner.spawnOne(name, Optional.empty());
                if (wanted == 0) {
                    runtime.stop(name, true);
                } else {
                    ready.add(standby);
                    retry.succeeded();
                    log.info("standby {} ready in {} ms", name, (System.nanoTime() - t0) / 1_000_000);
                }
            } finally {
                releaseName.accept(name);
            }
        } catch (MembershipException.StartFailed e) {
            if (wanted > 0) log.warn("could not start a standby: {}; next attempt in {} ms", e.getMessage(), retry.failed().toMillis());
        } finally {
            starting.decrementAndGet();
        }
    }

    /** Wants no more standbys and forgets those it has (the runtime stops them when it closes). */
    void close() {
        wanted = 0;
        ready.clear();
    }
}

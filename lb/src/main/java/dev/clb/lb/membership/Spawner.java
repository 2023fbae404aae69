package dev.clb.lb.membership;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.health.HeartbeatProbe;
import dev.clb.lb.membership.MembershipException.StartFailed;
import dev.clb.lb.runtime.ReplicaRuntime;
import dev.clb.lb.runtime.ReplicaRuntime.Place;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Starts replicas on a runtime and waits until they answer {@code /heartbeat}, at most the spawn timeout each. What
 * it starts as one change either all answer or none is left running.
 */
final class Spawner {
    private final ReplicaRuntime runtime;
    private final HeartbeatProbe probe;
    private final Duration timeout;
    private final Executor executor;
    private final BooleanSupplier stopping;
    private final ReplicaFactory replicas;

    /** {@code stopping} tells when the load balancer is stopping: then every wait gives up; {@code replicas} makes the objects started. */
    Spawner(ReplicaRuntime runtime, HeartbeatProbe probe, Duration timeout, Executor executor, BooleanSupplier stopping, ReplicaFactory replicas) {
        this.runtime = runtime;
        this.replicas = replicas;
        this.probe = probe;
        this.timeout = timeout;
        this.executor = executor;
        this.stopping = stopping;
    }

    /** Starts one replica, at {@code place} in the map (none: a standby), and waits until it answers. */
    Replica spawnOne(String name, Optional<Place> place) throws StartFailed {
        return spawnAll(List.of(name), place.map(p -> Map.of(name, p)).orElse(Map.of())).get(name);
    }

    /**
     * Starts all {@code names} in parallel, each with its place in the map (none: a standby), and waits for their
     * heartbeats. The first failure dooms the change: the other starts are abandoned at once rather than awaited, and
     * every replica started is stopped.
     */
    LinkedHashMap<String, Replica> spawnAll(List<String> names, Map<String, Place> places) throws StartFailed {
        AtomicBoolean doomed = new AtomicBoolean();
        List<CompletableFuture<Replica>> starts = names.stream()
                .map(name -> CompletableFuture.supplyAsync(() -> start(name, Optional.ofNullable(places.get(name)), doomed::get), executor)
                        .whenComplete((backend, error) -> {
                            if (error != null) doomed.set(true);
                        }))
                .toList();
        LinkedHashMap<String, Replica> started = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            try {
                started.put(names.get(i), starts.get(i).join());
            } catch (CompletionException e) {
                if (!(e.getCause() instanceof Abandoned)) errors.add(e.getCause().getMessage());
            }
        }
        if (started.size() < names.size()) {
            stopAll(started.keySet());
            throw new StartFailed("Could not start replicas: " + String.join("; ", errors));
        }
        return started;
    }

    /** Stops {@code names} at once, in parallel: replicas that must not serve. */
    void stopAll(Collection<String> names) {
        names.parallelStream().forEach(name -> runtime.stop(name, true));
    }

    /**
     * Whether {@code backend}, which runs already (found at start), answers a heartbeat within the spawn timeout,
     * the grace a new replica gets: a load balancer that has just started on a loaded host may need seconds to reach
     * its network. Gives up when the runtime no longer has it.
     */
    CompletableFuture<Boolean> answers(Backend backend) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return probe.awaitAlive(backend, timeout, () -> stopping.getAsBoolean() || !runtime.running().contains(backend.hostname()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, executor);
    }

    /** A start given up because another start of the same change failed. */
    private static final class Abandoned extends RuntimeException {
        Abandoned(String name) {
            super("start of '" + name + "' abandoned", null, false, false);
        }
    }

    private Replica start(String name, Optional<Place> place, BooleanSupplier doomed) {
        try {
            if (doomed.getAsBoolean()) throw new Abandoned(name);
            Backend backend = runtime.start(name, place);
            boolean alive = probe.awaitAlive(backend, timeout,
                    () -> stopping.getAsBoolean() || doomed.getAsBoolean() || !runtime.running().contains(name));
            if (!alive) {
                boolean exited = !runtime.running().contains(name);
                runtime.stop(name, true);
                if (doomed.getAsBoolean() && !exited) throw new Abandoned(name);
                if (stopping.getAsBoolean()) throw new IllegalStateException("start of '" + name + "' abandoned: the load balancer is stopping");
                throw new IllegalStateException(exited ? "replica '" + name + "' exited before it answered /heartbeat"
                        : "replica '" + name + "' did not answer /heartbeat within " + timeout.toSeconds() + " s");
            }
            return replicas.of(backend);
        } catch (ReplicaRuntime.SpawnException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            runtime.stop(name, true);
            throw new IllegalStateException("interrupted while starting '" + name + "'", e);
        }
    }
}

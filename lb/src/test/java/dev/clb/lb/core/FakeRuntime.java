package dev.clb.lb.core;

import dev.clb.lb.runtime.ReplicaRuntime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A runtime that starts nothing: it hands out addresses and records what the manager asks of it, so membership
 * rules run in microseconds. Real processes are {@code LocalProcessRuntime}'s tests' job.
 */
final class FakeRuntime implements ReplicaRuntime {
    private final List<Backend> existing;
    private final AtomicInteger ports = new AtomicInteger(20_000);
    final Set<String> running = ConcurrentHashMap.newKeySet();
    final List<String> started = new CopyOnWriteArrayList<>();
    /** Stops, as {@code name} or {@code name!} when forced. */
    final List<String> stopped = new CopyOnWriteArrayList<>();
    final Set<String> refuseToStart = ConcurrentHashMap.newKeySet();
    /** The places recorded with running replicas, as an engine keeps them in labels. */
    private final Map<String, Place> places = new ConcurrentHashMap<>();
    volatile boolean closed;

    /** A runtime that spawns replicas. */
    FakeRuntime() {
        this.existing = null;
    }

    /** A runtime that fronts {@code existing} and spawns nothing, like the static one. */
    FakeRuntime(List<Backend> existing) {
        this.existing = existing;
    }

    @Override
    public String name() {
        return spawns() ? "fake" : "static";
    }

    @Override
    public boolean spawns() {
        return existing == null;
    }

    @Override
    public List<Found> existing() {
        if (spawns()) {
            return running.stream().map(name -> new Found(new Backend(name, "127.0.0.1", ports.incrementAndGet()),
                    Optional.ofNullable(places.get(name)))).toList();
        }
        // as the static runtime: backends in the given order on ring ids 1, 2, ...
        return java.util.stream.IntStream.range(0, existing.size())
                .mapToObj(i -> new Found(existing.get(i), Optional.of(new Place(i + 1, 0, Optional.empty())))).toList();
    }

    @Override
    public Backend start(String hostname, Optional<Place> place) throws SpawnException {
        if (refuseToStart.contains(hostname)) throw new SpawnException("cannot start '" + hostname + "'", new IllegalStateException());
        started.add(hostname);
        running.add(hostname);
        place.ifPresent(p -> places.put(hostname, p));
        return new Backend(hostname, "127.0.0.1", ports.incrementAndGet());
    }

    @Override
    public void placed(String hostname, Place place) {
        places.put(hostname, place);
    }

    /** What a successor load balancer finds in the engine when this one went away leaving its replicas running. */
    FakeRuntime survivors() {
        FakeRuntime next = new FakeRuntime();
        next.running.addAll(running);
        next.places.putAll(places);
        return next;
    }

    @Override
    public void stop(String hostname, boolean force) {
        stopped.add(force ? hostname + "!" : hostname);
        running.remove(hostname);
        places.remove(hostname);
    }

    @Override
    public Set<String> running() {
        return Set.copyOf(running);
    }

    @Override
    public void close() {
        closed = true;
        running.clear();
    }
}

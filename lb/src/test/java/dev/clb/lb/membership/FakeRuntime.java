package dev.clb.lb.membership;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.runtime.ReplicaRuntime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A runtime that starts nothing: it hands out addresses and records what membership asks of it, so membership rules
 * run in microseconds. Like an engine, it keeps each replica's place with it, for a successor to adopt. Real processes
 * are {@code LocalProcessRuntime}'s tests' job.
 */
final class FakeRuntime implements ReplicaRuntime {
    private final AtomicInteger ports = new AtomicInteger(20_000);
    final Set<String> running = ConcurrentHashMap.newKeySet();
    final List<String> started = new CopyOnWriteArrayList<>();
    /** Stops, as {@code name} or {@code name!} when forced. */
    final List<String> stopped = new CopyOnWriteArrayList<>();
    final Set<String> refuseToStart = ConcurrentHashMap.newKeySet();
    /** While set, every start of a replacement (a random name with a place in the map) is refused; standbys still start. */
    volatile boolean refuseReplacements;
    /** Starts refused so far, by {@link #refuseToStart} or {@link #refuseReplacements}. */
    final AtomicInteger refused = new AtomicInteger();
    /** The places recorded with running replicas, as an engine keeps them in labels. */
    private final Map<String, Place> places = new ConcurrentHashMap<>();
    volatile boolean closed;
    private volatile Consumer<String> exits = name -> { };

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public List<Found> existing() {
        return running.stream().map(name -> new Found(new Backend(name, "127.0.0.1", ports.incrementAndGet()),
                Optional.ofNullable(places.get(name)))).toList();
    }

    @Override
    public Backend start(String hostname, Optional<Place> place) throws SpawnException {
        if (refuseToStart.contains(hostname) || refuseReplacements && hostname.startsWith("replica-") && place.isPresent()) {
            refused.incrementAndGet();
            throw new SpawnException("cannot start '" + hostname + "'", new IllegalStateException());
        }
        started.add(hostname);
        running.add(hostname);
        place.ifPresent(p -> places.put(hostname, p));
        return new Backend(hostname, "127.0.0.1", ports.incrementAndGet());
    }

    @Override
    public void onExit(Consumer<String> listener) {
        exits = listener;
    }

    /** {@code hostname}'s process exits by itself, as the engine would tell. */
    void exit(String hostname) {
        running.remove(hostname);
        exits.accept(hostname);
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

package dev.clb.lb.core;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingFullException;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.runtime.ReplicaRuntime;
import dev.clb.lb.runtime.ReplicaRuntime.Found;
import dev.clb.lb.runtime.ReplicaRuntime.Place;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the set of replicas: the consistent hash map, the runtime that runs them, and a pool of warm standbys.
 *
 * <p>Every membership change (add, remove, replacement of a failed replica) runs under one lock and is
 * validated completely before anything is started or stopped, so a refused request changes nothing. The map is
 * changed by whole-ring swaps, so the request path never waits for this lock.
 *
 * <p>A failed replica is swapped for a standby in one ring change: the standby was started earlier with a random
 * hostname and already answers heartbeats, so recovery costs no JVM start-up. A new standby is then started in
 * the background. Without a standby at hand, the replacement is started on the spot.
 */
public final class ReplicaManager implements HeartbeatMonitor.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    public record Settings(int standbys, Duration spawnTimeout) {
    }

    private final ConsistentHashMap<Backend> map;
    private final ReplicaRuntime runtime;
    private final Settings settings;
    private final ReentrantLock changes = new ReentrantLock();
    private final ConcurrentLinkedDeque<Backend> standbys = new ConcurrentLinkedDeque<>();
    private final AtomicInteger standbysStarting = new AtomicInteger();
    /** Names of replicas being started outside the lock (standbys), so no one else picks them meanwhile. */
    private final Set<String> reservedNames = ConcurrentHashMap.newKeySet();
    /** Ring ids of static backends that are down, so each gets its own slots back when it recovers. */
    private final Map<String, Integer> downRingIds = new ConcurrentHashMap<>();
    private final ExecutorService background = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replica-manager");
        t.setDaemon(true);
        return t;
    });
    private HeartbeatMonitor monitor;
    private volatile int standbysWanted;
    private volatile boolean closed;

    public ReplicaManager(ConsistentHashMap<Backend> map, ReplicaRuntime runtime, Settings settings) {
        this.map = map;
        this.runtime = runtime;
        this.settings = settings;
        this.standbysWanted = runtime.spawns() ? settings.standbys() : 0;
    }

    /** Connects the monitor that tells this manager about failures; it must also be what checks readiness. */
    public void attach(HeartbeatMonitor monitor) {
        this.monitor = monitor;
    }

    public Ring<Backend> ring() {
        return map.ring();
    }

    public String runtimeName() {
        return runtime.name();
    }

    /** Hostnames in the map, in order of addition (what /rep lists). */
    public List<String> hostnames() {
        return map.ring().nodes().stream().map(Node::name).toList();
    }

    public List<String> standbyHostnames() {
        return standbys.stream().map(Backend::hostname).toList();
    }

    /** What the heartbeat monitor watches: the replicas in the map, the standbys, and static backends that are down. */
    public Collection<Backend> monitored() {
        List<Backend> all = new ArrayList<>();
        map.ring().nodes().forEach(n -> all.add(n.value()));
        all.addAll(standbys);
        if (!runtime.spawns()) {
            runtime.existing().stream().map(Found::backend).filter(b -> downRingIds.containsKey(b.hostname())).forEach(all::add);
        }
        return all;
    }

    /**
     * Brings up the replicas: first it adopts those the runtime finds running (the static runtime's backends, or
     * what a predecessor left in the engine), then it starts as many as {@code replicas} still lacks:
     * {@code server-1..n} on a fresh start, random hostnames beside adopted ones.
     */
    public void start(int replicas) throws AdminException {
        changes.lock();
        try {
            long t0 = System.nanoTime();
            int adopted = adopt(runtime.existing());
            if (!runtime.spawns()) {
                log.info("fronting {} static backends: {}", adopted, hostnames());
                return;
            }
            if (adopted >= replicas) return;
            List<String> names = new ArrayList<>();
            Set<String> taken = namesInUse();
            for (int i = 1; names.size() < replicas - adopted; i++) {
                String name = adopted == 0 ? "server-" + i : Hostnames.random(taken);
                taken.add(name);
                names.add(name);
            }
            checkCapacity(names);
            install(spawnAll(names, placesFor(names)));
            log.info("started {} replicas {} in {} ms; now {}", names.size(), names, millisSince(t0), hostnames());
        } finally {
            changes.unlock();
        }
        refillStandbys();
    }

    /**
     * Puts the replicas a runtime found back in the map with their ring ids, in the order they had joined, and
     * takes standbys back; of a spawning runtime's it reaps (stops) what does not answer a heartbeat within the
     * spawn timeout (the same grace a new replica gets: a load balancer that has just started, on a loaded host,
     * may need seconds before it reaches its network). Static backends all go in: the monitor takes the down ones
     * out. Returns how many are in the map.
     */
    private int adopt(List<Found> found) {
        if (found.isEmpty()) return 0;
        Map<Found, CompletableFuture<Boolean>> answers = new LinkedHashMap<>();
        for (Found f : found) {
            String name = f.backend().hostname();
            answers.put(f, !runtime.spawns() ? CompletableFuture.completedFuture(true) : CompletableFuture.supplyAsync(() -> {
                try {
                    return monitor.awaitAlive(f.backend(), settings.spawnTimeout(), () -> closed || !runtime.running().contains(name));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }, background));
        }
        List<Found> inOrder = found.stream().filter(f -> f.place().isPresent())
                .sorted(java.util.Comparator.comparing(f -> f.place().get())).toList();
        for (Found f : inOrder) {
            String name = f.backend().hostname();
            if (!answers.get(f).join()) {
                log.warn("reaped replica {} (ring id {}): it does not answer heartbeats", name, f.place().get().ringId());
                runtime.stop(name, true);
                continue;
            }
            try {
                map.add(name, f.backend(), f.place().get().ringId());
            } catch (RingFullException | IllegalArgumentException e) {
                log.warn("reaped replica {}: its ring id {} does not fit the map ({})", name, f.place().get().ringId(), e.getMessage());
                runtime.stop(name, true);
            }
        }
        found.stream().filter(f -> f.place().isEmpty()).forEach(f -> {
            if (answers.get(f).join() && standbys.size() < standbysWanted) {
                standbys.add(f.backend());
            } else {
                runtime.stop(f.backend().hostname(), true);
            }
        });
        if (runtime.spawns()) {
            log.info("adopted {} running replicas with their ring ids: {}; standbys {}", map.ring().size(),
                    map.ring().nodes().stream().map(n -> n.name() + "=" + n.ringId()).toList(), standbyHostnames());
        }
        return map.ring().size();
    }

    /** The places {@code names} take when they join the map now, in order: the ring ids {@link #install} gives them. */
    private Map<String, Place> placesFor(List<String> names) {
        long joined = System.currentTimeMillis();
        List<Integer> ids = map.nextRingIds(names.size());
        Map<String, Place> places = new HashMap<>();
        for (int i = 0; i < names.size(); i++) places.put(names.get(i), new Place(ids.get(i), joined));
        return places;
    }

    /** {@code POST /add}: starts {@code n} replicas, the named ones first, and returns when all serve. */
    public List<String> add(int n, List<String> requested) throws AdminException {
        changes.lock();
        try {
            requireSpawningRuntime("add");
            Set<String> taken = namesInUse();
            for (String name : requested) {
                if (taken.contains(name)) throw AdminException.badRequest("Hostname '" + name + "' is already in use");
            }
            List<String> names = new ArrayList<>(requested);
            Set<String> allTaken = new HashSet<>(taken);
            allTaken.addAll(requested);
            while (names.size() < n) {
                String name = Hostnames.random(allTaken);
                allTaken.add(name);
                names.add(name);
            }
            checkCapacity(names);
            long t0 = System.nanoTime();
            install(spawnAll(names, placesFor(names)));
            log.info("added {} replicas {} in {} ms; now {}", n, names, millisSince(t0), hostnames());
            return hostnames();
        } finally {
            changes.unlock();
        }
    }

    /** {@code DELETE /rm}: removes the named replicas and random others up to {@code n}. */
    public List<String> remove(int n, List<String> requested) throws AdminException {
        changes.lock();
        try {
            requireSpawningRuntime("remove");
            List<String> current = hostnames();
            if (n > current.size()) {
                throw AdminException.badRequest("Cannot remove " + n + " replicas: only " + current.size() + " exist");
            }
            for (String name : requested) {
                if (!current.contains(name)) throw AdminException.badRequest("Hostname '" + name + "' is not a replica of this load balancer");
            }
            List<String> victims = new ArrayList<>(requested);
            List<String> others = new ArrayList<>(current);
            others.removeAll(requested);
            while (victims.size() < n) {
                victims.add(others.remove(ThreadLocalRandom.current().nextInt(others.size())));
            }
            long t0 = System.nanoTime();
            map.removeAll(victims);
            victims.parallelStream().forEach(name -> runtime.stop(name, false));
            log.info("removed {} replicas {} in {} ms; now {}", n, victims, millisSince(t0), hostnames());
            return hostnames();
        } finally {
            changes.unlock();
        }
    }

    private void requireSpawningRuntime(String action) throws AdminException {
        if (!runtime.spawns()) {
            throw AdminException.badRequest("The " + runtime.name() + " runtime cannot " + action + " replicas: it fronts a fixed set of --backends");
        }
    }

    @Override
    public void failed(Backend backend, String reason) {
        if (closed) return;
        background.execute(() -> replaceFailed(backend, reason, System.nanoTime()));
    }

    @Override
    public void recovered(Backend backend) {
        Integer ringId = downRingIds.remove(backend.hostname());
        if (ringId == null || closed) return;
        changes.lock();
        try {
            boolean idFree = map.ring().nodes().stream().noneMatch(n -> n.ringId() == ringId);
            if (idFree) map.add(backend.hostname(), backend, ringId); else map.add(backend.hostname(), backend);
            log.info("backend {} answers heartbeats again: back in the map; now {}", backend.hostname(), hostnames());
        } catch (RingFullException e) {
            log.warn("backend {} recovered but does not fit the map: {}", backend.hostname(), e.getMessage());
        } finally {
            changes.unlock();
        }
    }

    private void replaceFailed(Backend failed, String reason, long detectedAt) {
        if (standbys.removeIf(s -> s.hostname().equals(failed.hostname()))) {
            log.warn("standby {} failed ({}); starting another", failed.hostname(), reason);
            runtime.stop(failed.hostname(), true);
            refillStandbys();
            return;
        }
        changes.lock();
        try {
            Node<Backend> node = map.ring().node(failed.hostname());
            if (node == null || closed) return;
            if (!runtime.spawns()) {
                map.remove(failed.hostname());
                downRingIds.put(failed.hostname(), node.ringId());
                log.warn("backend {} failed ({}): out of the map until it answers again; now {}", failed.hostname(), reason, hostnames());
                return;
            }
            Backend standby = takeLiveStandby();
            Place place = new Place(node.ringId(), System.currentTimeMillis());
            if (standby != null) {
                map.replace(failed.hostname(), standby.hostname(), standby);
                runtime.placed(standby.hostname(), place);
            } else {
                map.remove(failed.hostname());
                String name = Hostnames.random(namesInUse());
                Backend fresh = spawnAll(List.of(name), Map.of(name, place)).get(name);
                map.add(name, fresh, node.ringId());
            }
            String replacement = map.ring().nodes().get(map.ring().size() - 1).name();
            runtime.stop(failed.hostname(), true);
            log.warn("replica {} failed ({}); replaced by {} on ring id {} in {} ms{}; now {}", failed.hostname(), reason,
                    replacement, node.ringId(), millisSince(detectedAt), standby != null ? " (warm standby)" : " (fresh start)", hostnames());
        } catch (AdminException | RingFullException e) {
            log.error("could not replace failed replica {}: {}; will retry on the next heartbeat", failed.hostname(), e.getMessage());
        } finally {
            changes.unlock();
        }
        refillStandbys();
    }

    private Backend takeLiveStandby() {
        Backend standby;
        while ((standby = standbys.pollFirst()) != null) {
            if (monitor.beat(standby, Duration.ofMillis(250)).join() == HeartbeatMonitor.Outcome.ALIVE) return standby;
            log.warn("standby {} does not answer; discarding it", standby.hostname());
            runtime.stop(standby.hostname(), true);
        }
        return null;
    }

    private void refillStandbys() {
        while (!closed && standbys.size() + standbysStarting.get() < standbysWanted) {
            standbysStarting.incrementAndGet();
            background.execute(() -> {
                try {
                    String name;
                    changes.lock();
                    try {
                        name = Hostnames.random(namesInUse());
                        reservedNames.add(name);
                    } finally {
                        changes.unlock();
                    }
                    try {
                        long t0 = System.nanoTime();
                        Backend standby = spawnAll(List.of(name), Map.of()).get(name);
                        if (closed) {
                            runtime.stop(name, true);
                        } else {
                            standbys.add(standby);
                            log.info("standby {} ready in {} ms", name, millisSince(t0));
                        }
                    } finally {
                        reservedNames.remove(name);
                    }
                } catch (AdminException e) {
                    log.warn("could not start a standby: {}", e.getMessage());
                } finally {
                    standbysStarting.decrementAndGet();
                }
            });
        }
    }

    private Set<String> namesInUse() {
        Set<String> taken = new HashSet<>(hostnames());
        taken.addAll(standbyHostnames());
        taken.addAll(reservedNames);
        taken.addAll(runtime.running());
        return taken;
    }

    private void checkCapacity(List<String> names) throws AdminException {
        try {
            map.checkCanAdd(names);
        } catch (RingFullException e) {
            var config = map.ring().config();
            throw AdminException.badRequest("Cannot add " + names.size() + " replicas to the " + map.ring().size()
                    + " there are: the map (" + config.slots() + " slots, " + config.virtualServers()
                    + " virtual servers each) has no room for them (" + e.getMessage() + ")");
        }
    }

    /**
     * Starts all {@code names} in parallel, each with its place in the map (none: a standby), and waits for their
     * heartbeats; on any failure stops them all.
     */
    private LinkedHashMap<String, Backend> spawnAll(List<String> names, Map<String, Place> places) throws AdminException {
        List<CompletableFuture<Backend>> starts = names.stream()
                .map(name -> CompletableFuture.supplyAsync(() -> spawnOne(name, Optional.ofNullable(places.get(name))), background)).toList();
        LinkedHashMap<String, Backend> started = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            try {
                started.put(names.get(i), starts.get(i).join());
            } catch (CompletionException e) {
                errors.add(e.getCause().getMessage());
            }
        }
        if (!errors.isEmpty()) {
            started.keySet().parallelStream().forEach(name -> runtime.stop(name, true));
            throw new AdminException(503, "Could not start replicas: " + String.join("; ", errors));
        }
        return started;
    }

    private Backend spawnOne(String name, Optional<Place> place) {
        try {
            Backend backend = runtime.start(name, place);
            boolean alive = monitor.awaitAlive(backend, settings.spawnTimeout(), () -> closed || !runtime.running().contains(name));
            if (!alive) {
                runtime.stop(name, true);
                throw new IllegalStateException("replica '" + name + "' did not answer /heartbeat within "
                        + settings.spawnTimeout().toSeconds() + " s");
            }
            return backend;
        } catch (ReplicaRuntime.SpawnException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            runtime.stop(name, true);
            throw new IllegalStateException("interrupted while starting '" + name + "'", e);
        }
    }

    private void install(LinkedHashMap<String, Backend> backends) throws AdminException {
        try {
            map.addAll(backends);
        } catch (RingFullException e) {
            backends.keySet().parallelStream().forEach(name -> runtime.stop(name, true));
            throw AdminException.badRequest("The map has no room for the new replicas: " + e.getMessage());
        }
    }

    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    /** Stops taking changes and stops every replica and standby. */
    @Override
    public void close() {
        closed = true;
        standbysWanted = 0;
        changes.lock();
        try {
            background.shutdownNow();
            standbys.clear();
            runtime.close();
        } finally {
            changes.unlock();
        }
    }
}

package dev.clb.lb.core;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Placement;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.events.MembershipEvents;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
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
 * the background. Without a standby at hand, the replacement is started on the spot; when that fails too, the
 * failed replica's ring id stays vacant and is filled by attempts that back off (see {@link Backoff}) until N is
 * back. Standbys that fail to start are retried the same way.
 *
 * <p>A removal ({@code /rm}) takes the replicas out of the map first, waits until the requests they are serving
 * are answered (at most the drain timeout), and only then stops them.
 */
public final class ReplicaManager implements HeartbeatMonitor.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    public record Settings(int standbys, Duration spawnTimeout, Duration drainTimeout) {
    }

    private static final Duration FIRST_RETRY = Duration.ofMillis(250);
    private static final Duration MAX_RETRY = Duration.ofSeconds(8);

    private final ConsistentHashMap<Backend> map;
    private final ReplicaRuntime runtime;
    private final InFlight inFlight;
    private final Settings settings;
    private final ReentrantLock changes = new ReentrantLock();
    private final ConcurrentLinkedDeque<Backend> standbys = new ConcurrentLinkedDeque<>();
    private final AtomicInteger standbysStarting = new AtomicInteger();
    /** Names of replicas being started (standbys) or drained outside the lock, so no one else picks them meanwhile. */
    private final Set<String> reservedNames = ConcurrentHashMap.newKeySet();
    /** Places of static backends that are down, so each gets its own slots back when it recovers. */
    private final Map<String, Place> downPlaces = new ConcurrentHashMap<>();
    /** Ring ids of failed replicas that no replacement holds yet: N is short by this many until they are filled. */
    private final ConcurrentLinkedQueue<Vacancy> vacancies = new ConcurrentLinkedQueue<>();

    /** A ring id whose replica failed with no standby at hand, waiting for a replacement. */
    private record Vacancy(int ringId, Optional<Placement> placement, String failed) {
    }
    private final ExecutorService background = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replica-manager");
        t.setDaemon(true);
        return t;
    });
    private final Backoff vacancyRetry = new Backoff(FIRST_RETRY, MAX_RETRY, background, this::fillVacancies);
    private final Backoff standbyRetry = new Backoff(FIRST_RETRY, MAX_RETRY, background, this::refillStandbys);
    private HeartbeatMonitor monitor;
    private volatile MembershipEvents events = MembershipEvents.NONE;
    private volatile int standbysWanted;
    private volatile boolean closed;

    public ReplicaManager(ConsistentHashMap<Backend> map, ReplicaRuntime runtime, InFlight inFlight, Settings settings) {
        this.map = map;
        this.runtime = runtime;
        this.inFlight = inFlight;
        this.settings = settings;
        this.standbysWanted = runtime.spawns() ? settings.standbys() : 0;
    }

    /** Connects the monitor that tells this manager about failures; it must also be what checks readiness. */
    public void attach(HeartbeatMonitor monitor) {
        this.monitor = monitor;
    }

    /** Whom to tell about replacements of failed replicas. */
    public void observe(MembershipEvents events) {
        this.events = events;
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
            runtime.existing().stream().map(Found::backend).filter(b -> downPlaces.containsKey(b.hostname())).forEach(all::add);
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
                map.add(name, f.backend(), f.place().get().ringId(), f.place().get().placement());
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

    /**
     * The places {@code names} take when they join the map now: the ring ids and placements {@link #install} gives
     * them. Refuses, before anything starts, what the map cannot hold.
     */
    private Map<String, Place> placesFor(List<String> names) throws AdminException {
        Ring<Backend> next;
        try {
            next = map.preview(names);
        } catch (RingFullException e) {
            throw AdminException.badRequest("Cannot add " + names.size() + " replicas to the " + map.ring().size()
                    + " there are: the map (" + capacityNote(map.ring().strategy()) + ") has no room for them (" + e.getMessage() + ")");
        }
        long joined = System.currentTimeMillis();
        Map<String, Place> places = new HashMap<>();
        for (String name : names) places.put(name, new Place(next.node(name).ringId(), joined, next.placement(name)));
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
            long t0 = System.nanoTime();
            install(spawnAll(names, placesFor(names)));
            log.info("added {} replicas {} in {} ms; now {}", n, names, millisSince(t0), hostnames());
            return hostnames();
        } finally {
            changes.unlock();
        }
    }

    /**
     * {@code DELETE /rm}: removes the named replicas and random others up to {@code n} from the map, lets the requests
     * they serve finish (at most the drain timeout), then stops them.
     */
    public List<String> remove(int n, List<String> requested) throws AdminException {
        List<String> victims;
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
            victims = new ArrayList<>(requested);
            List<String> others = new ArrayList<>(current);
            others.removeAll(requested);
            while (victims.size() < n) {
                victims.add(others.remove(ThreadLocalRandom.current().nextInt(others.size())));
            }
            map.removeAll(victims);
            reservedNames.addAll(victims);
        } finally {
            changes.unlock();
        }
        // outside the lock: a failure elsewhere is replaced meanwhile, and the names stay reserved until stopped
        try {
            long t0 = System.nanoTime();
            int left = drain(victims);
            long drained = millisSince(t0);
            victims.parallelStream().forEach(name -> {
                runtime.stop(name, false);
                inFlight.forget(name);
            });
            if (left > 0) {
                log.warn("removed {} replicas {}: {} requests were still in flight after the drain timeout ({} ms); now {}",
                        n, victims, left, settings.drainTimeout().toMillis(), hostnames());
            } else {
                log.info("removed {} replicas {} (drained in {} ms, stopped in {} ms); now {}", n, victims, drained,
                        millisSince(t0) - drained, hostnames());
            }
            return hostnames();
        } finally {
            reservedNames.removeAll(victims);
        }
    }

    /** Waits until none of {@code names} has a request in flight, or the drain timeout; returns how many are left. */
    private int drain(List<String> names) {
        long end = System.nanoTime() + settings.drainTimeout().toNanos();
        int left;
        while ((left = names.stream().mapToInt(inFlight::of).sum()) > 0 && System.nanoTime() < end && !closed) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
        }
        return left;
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
        Place place = downPlaces.remove(backend.hostname());
        if (place == null || closed) return;
        changes.lock();
        try {
            boolean idFree = map.ring().nodes().stream().noneMatch(n -> n.ringId() == place.ringId());
            if (idFree) map.add(backend.hostname(), backend, place.ringId(), place.placement()); else map.add(backend.hostname(), backend);
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
        boolean vacant = false;
        changes.lock();
        try {
            Node<Backend> node = map.ring().node(failed.hostname());
            if (node == null || closed) return;
            if (!runtime.spawns()) {
                downPlaces.put(failed.hostname(), new Place(node.ringId(), 0, map.ring().placement(failed.hostname())));
                map.remove(failed.hostname());
                log.warn("backend {} failed ({}): out of the map until it answers again; now {}", failed.hostname(), reason, hostnames());
                return;
            }
            Backend standby = takeLiveStandby();
            if (standby != null) {
                try {
                    map.replace(failed.hostname(), standby.hostname(), standby);
                    runtime.placed(standby.hostname(), new Place(node.ringId(), System.currentTimeMillis(), map.ring().placement(standby.hostname())));
                } catch (RingFullException e) {
                    throw new IllegalStateException("the standby takes the failed replica's own slots, which are free", e);
                }
                events.respawned(failed.hostname(), standby.hostname(), node.ringId());
                log.warn("replica {} failed ({}); replaced by {} on ring id {} in {} ms (warm standby); now {}", failed.hostname(), reason,
                        standby.hostname(), node.ringId(), millisSince(detectedAt), hostnames());
            } else {
                vacancies.add(new Vacancy(node.ringId(), map.ring().placement(failed.hostname()), failed.hostname()));
                map.remove(failed.hostname());
                vacant = true;
                log.warn("replica {} failed ({}); no standby at hand: starting a replacement for ring id {}", failed.hostname(), reason, node.ringId());
            }
            runtime.stop(failed.hostname(), true);
        } finally {
            changes.unlock();
        }
        if (vacant) fillVacancies();
        refillStandbys();
    }

    /**
     * Puts a replica on every vacant ring id: a live standby if there is one, else a fresh start. When a start
     * fails, tries again later, with a longer delay each time, until N is back.
     */
    private void fillVacancies() {
        changes.lock();
        try {
            Vacancy vacancy;
            while (!closed && (vacancy = vacancies.peek()) != null) {
                long t0 = System.nanoTime();
                Backend replacement = takeLiveStandby();
                boolean warm = replacement != null;
                int id = vacancy.ringId();
                Place place = new Place(id, System.currentTimeMillis(), vacancy.placement());
                if (replacement == null) {
                    String name = Hostnames.random(namesInUse());
                    replacement = spawnAll(List.of(name), Map.of(name, place)).get(name);
                }
                try {
                    Node<Backend> added;
                    if (map.ring().nodes().stream().noneMatch(n -> n.ringId() == id)) {
                        added = map.add(replacement.hostname(), replacement, id, vacancy.placement());
                    } else {
                        added = map.add(replacement.hostname(), replacement); // an /add took the id meanwhile
                    }
                    Place taken = new Place(added.ringId(), place.joined(), map.ring().placement(added.name()));
                    if (warm || !taken.equals(place)) runtime.placed(added.name(), taken);
                    events.respawned(vacancy.failed(), replacement.hostname(), added.ringId());
                } catch (RingFullException e) {
                    runtime.stop(replacement.hostname(), true);
                    log.error("replacement {} does not fit the map ({}); N stays {}", replacement.hostname(), e.getMessage(), hostnames().size());
                }
                vacancies.poll();
                vacancyRetry.succeeded();
                log.warn("replica {} fills vacant ring id {} in {} ms{}; now {}", replacement.hostname(), id, millisSince(t0),
                        warm ? " (warm standby)" : " (fresh start)", hostnames());
            }
        } catch (AdminException e) {
            Duration delay = vacancyRetry.failed();
            log.error("could not start a replacement: {}; {} replicas serve, {} ring ids vacant; next attempt in {} ms",
                    e.getMessage(), map.ring().size(), vacancies.size(), delay.toMillis());
        } finally {
            changes.unlock();
        }
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
                            standbyRetry.succeeded();
                            log.info("standby {} ready in {} ms", name, millisSince(t0));
                        }
                    } finally {
                        reservedNames.remove(name);
                    }
                } catch (AdminException e) {
                    if (!closed) log.warn("could not start a standby: {}; next attempt in {} ms", e.getMessage(), standbyRetry.failed().toMillis());
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

    private static String capacityNote(RingStrategy strategy) {
        if (strategy instanceof RingConfig slots) return slots.slots() + " slots, " + slots.virtualServers() + " virtual servers each";
        return strategy.name() + ", at most " + strategy.capacity() + " replicas";
    }

    /**
     * Starts all {@code names} in parallel, each with its place in the map (none: a standby), and waits for their
     * heartbeats. The first failure dooms the change: the other starts are abandoned at once rather than awaited, and
     * every replica started is stopped.
     */
    private LinkedHashMap<String, Backend> spawnAll(List<String> names, Map<String, Place> places) throws AdminException {
        AtomicBoolean doomed = new AtomicBoolean();
        List<CompletableFuture<Backend>> starts = names.stream()
                .map(name -> CompletableFuture.supplyAsync(() -> spawnOne(name, Optional.ofNullable(places.get(name)), doomed::get), background)
                        .whenComplete((backend, error) -> {
                            if (error != null) doomed.set(true);
                        }))
                .toList();
        LinkedHashMap<String, Backend> started = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            try {
                started.put(names.get(i), starts.get(i).join());
            } catch (CompletionException e) {
                if (!(e.getCause() instanceof Abandoned)) errors.add(e.getCause().getMessage());
            }
        }
        if (started.size() < names.size()) {
            started.keySet().parallelStream().forEach(name -> runtime.stop(name, true));
            throw new AdminException(503, "Could not start replicas: " + String.join("; ", errors));
        }
        return started;
    }

    /** A start given up because another start of the same change failed. */
    private static final class Abandoned extends RuntimeException {
        Abandoned(String name) {
            super("start of '" + name + "' abandoned", null, false, false);
        }
    }

    private Backend spawnOne(String name, Optional<Place> place, BooleanSupplier doomed) {
        try {
            if (doomed.getAsBoolean()) throw new Abandoned(name);
            Backend backend = runtime.start(name, place);
            boolean alive = monitor.awaitAlive(backend, settings.spawnTimeout(),
                    () -> closed || doomed.getAsBoolean() || !runtime.running().contains(name));
            if (!alive) {
                boolean exited = !runtime.running().contains(name);
                runtime.stop(name, true);
                if (doomed.getAsBoolean() && !exited) throw new Abandoned(name);
                if (closed) throw new IllegalStateException("start of '" + name + "' abandoned: the load balancer is stopping");
                throw new IllegalStateException(exited ? "replica '" + name + "' exited before it answered /heartbeat"
                        : "replica '" + name + "' did not answer /heartbeat within " + settings.spawnTimeout().toSeconds() + " s");
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

package dev.clb.lb.membership;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.core.Hostnames;
import dev.clb.lb.events.MembershipEvents;
import dev.clb.lb.health.HeartbeatProbe;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import dev.clb.lb.membership.MembershipException.NoRoom;
import dev.clb.lb.membership.MembershipException.StartFailed;
import dev.clb.lb.runtime.ReplicaRuntime;
import dev.clb.lb.runtime.ReplicaRuntime.Found;
import dev.clb.lb.runtime.ReplicaRuntime.Place;
import dev.clb.lb.settings.InvalidSetting;
import io.netty.util.concurrent.Ticker;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicas the load balancer owns, on a runtime that starts them: it adopts those a predecessor left running, starts
 * and removes replicas on request, and keeps N alive by replacing failed ones.
 *
 * <p>Every change (add, remove, replacement of a failed replica) runs under one lock and is validated completely
 * before anything is started or stopped, so a refused request changes nothing.
 *
 * <p>A failed replica is swapped for a warm standby (see {@link StandbyPool}) in one ring change, on the failed one's
 * seat. Without a standby at hand the replacement is started on the spot; when that fails too, the seat stays vacant
 * and is filled by attempts that back off (see {@link Backoff}) until N is back.
 *
 * <p>A removal ({@code /rm}) takes the replicas out of the map first, waits until the requests they are serving are
 * answered (at most the drain timeout), and only then stops them.
 */
public final class ManagedMembership implements Membership {
    private static final Logger log = LoggerFactory.getLogger(ManagedMembership.class);

    public record Settings(int standbys, Duration spawnTimeout, Duration drainTimeout) {
        public Settings {
            InvalidSetting.notNegative(standbys, "standbys", "the number of standbys");
            InvalidSetting.positive(spawnTimeout, "spawnTimeout", "the spawn timeout");
            InvalidSetting.notNegativeMillis(drainTimeout.toMillis(), "drainTimeout", "the drain timeout");
        }
    }

    /** A seat whose replica failed with no standby at hand, waiting for a replacement. */
    private record Vacancy(Seat seat, String failed) {
    }

    private final ConsistentHashMap<Replica> map;
    private final ReplicaRuntime runtime;
    private final ReplicaFactory made;
    private final MembershipEvents events;
    private final Settings settings;
    /** The choosers' clock: a replica that joins after the start (a replacement, /add) starts its slow start on it. */
    private final Ticker clock;
    private final ReentrantLock changes = new ReentrantLock();
    /** Names of replicas being started (standbys) or drained outside the lock, so no one else picks them meanwhile. */
    private final Set<String> reservedNames = ConcurrentHashMap.newKeySet();
    /** Seats of failed replicas that no replacement holds yet: N is short by this many until they are filled. */
    private final ConcurrentLinkedQueue<Vacancy> vacancies = new ConcurrentLinkedQueue<>();
    private final ExecutorService background = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "membership");
        t.setDaemon(true);
        return t;
    });
    private final Spawner spawner;
    private final StandbyPool standbys;
    private final Backoff vacancyRetry = new Backoff(Backoff.FIRST, Backoff.MAX, background, this::fillVacancies);
    private volatile boolean closed;

    /**
     * {@code probe} tells when a new replica answers; it should be the heartbeat monitor's. {@code made} makes the replica
     * objects; {@code clock} is the choosers'.
     */
    public ManagedMembership(ConsistentHashMap<Replica> map, ReplicaRuntime runtime, HeartbeatProbe probe, ReplicaFactory made,
                             MembershipEvents events, Settings settings, Ticker clock) {
        this.map = map;
        this.runtime = runtime;
        this.made = made;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
        this.spawner = new Spawner(runtime, probe, settings.spawnTimeout(), background, () -> closed, made);
        this.standbys = new StandbyPool(settings.standbys(), spawner, runtime, probe, background, this::reserveName, reservedNames::remove);
    }

    @Override
    public Ring<Replica> ring() {
        return map.ring();
    }

    @Override
    public String runtimeName() {
        return runtime.name();
    }

    @Override
    public List<String> standbyHostnames() {
        return standbys.hostnames();
    }

    /** The standbys. */
    @Override
    public Collection<Replica> alsoMonitored() {
        return standbys.standbys();
    }

    @Override
    public void onExit(Consumer<Replica> exited) {
        runtime.onExit(name -> monitored().stream().filter(b -> b.hostname().equals(name)).findFirst().ifPresent(exited));
    }

    /**
     * Adopts the replicas a predecessor left running (see {@link Adoption}), then starts as many as {@code replicas}
     * still lacks: {@code server-1..n} on a fresh start, random hostnames beside adopted ones; then the standbys. The
     * replicas of a map that is not empty (a cluster's ring) that no longer run are replaced as failed ones.
     */
    @Override
    public void start(int replicas) throws NoRoom, StartFailed {
        changes.lock();
        try {
            long t0 = System.nanoTime();
            List<Found> found = runtime.existing();
            if (!found.isEmpty()) {
                Adoption.Adopted adopted = new Adoption(map, runtime, spawner, made).adopt(found, standbys.wanted());
                standbys.adopt(adopted.standbys());
                log.info("adopted {} running replicas with their ring ids: {}; standbys {}; reaped {}", adopted.placed().size(),
                        map.ring().nodes().stream().map(n -> n.name() + "=" + n.ringId()).toList(), standbyHostnames(), adopted.reaped());
            }
            Set<String> running = runtime.running();
            List<Replica> gone = map.ring().nodes().stream().filter(n -> !running.contains(n.name())).map(Node::value).toList();
            gone.forEach(replica -> failed(replica, "gone"));
            int adopted = map.ring().size();
            if (adopted < replicas) {
                List<String> names = adopted == 0 ? IntStream.rangeClosed(1, replicas).mapToObj(i -> "server-" + i).toList()
                        : randomNames(replicas - adopted, namesInUse());
                install(spawner.spawnAll(names, placesFor(names)));
                log.info("started {} replicas {} in {} ms; now {}", names.size(), names, millisSince(t0), hostnames());
            }
        } finally {
            changes.unlock();
        }
        standbys.refill();
    }

    /** {@code POST /add}: starts {@code n} replicas, the named ones first, and returns when all serve. */
    @Override
    public List<String> add(int n, List<String> requested) throws MembershipException {
        changes.lock();
        try {
            Set<String> taken = namesInUse();
            for (String name : requested) {
                if (taken.contains(name)) throw new InvalidChange("Hostname '" + name + "' is already in use");
            }
            List<String> names = new ArrayList<>(requested);
            taken.addAll(requested);
            names.addAll(randomNames(n - requested.size(), taken));
            long t0 = System.nanoTime();
            LinkedHashMap<String, Replica> added = spawner.spawnAll(names, placesFor(names));
            added.values().forEach(replica -> replica.slowStart().joined(clock));
            install(added);
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
    @Override
    public List<String> remove(int n, List<String> requested) throws InvalidChange {
        List<String> victims;
        List<Replica> leaving = new ArrayList<>();
        changes.lock();
        try {
            List<String> current = hostnames();
            if (n > current.size()) {
                throw new InvalidChange("Cannot remove " + n + " replicas: only " + current.size() + " exist");
            }
            for (String name : requested) {
                if (!current.contains(name)) throw new InvalidChange("Hostname '" + name + "' is not a replica of this load balancer");
            }
            victims = new ArrayList<>(requested);
            List<String> others = new ArrayList<>(current);
            others.removeAll(requested);
            while (victims.size() < n) {
                victims.add(others.remove(ThreadLocalRandom.current().nextInt(others.size())));
            }
            for (String name : victims) leaving.add(map.ring().node(name).value());
            map.removeAll(victims);
            reservedNames.addAll(victims);
        } finally {
            changes.unlock();
        }
        // outside the lock: a failure elsewhere is replaced meanwhile, and the names stay reserved until stopped
        try {
            long t0 = System.nanoTime();
            int left = drain(leaving);
            long drained = millisSince(t0);
            victims.parallelStream().forEach(name -> runtime.stop(name, false));
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

    /** Waits until none of {@code leaving} has a request in flight, or the drain timeout; returns how many are left. */
    private int drain(List<Replica> leaving) {
        long end = System.nanoTime() + settings.drainTimeout().toNanos();
        int left;
        while ((left = leaving.stream().mapToInt(Replica::inFlight).sum()) > 0 && System.nanoTime() < end && !closed) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return left;
            }
        }
        return left;
    }

    @Override
    public void failed(Replica replica, String reason) {
        if (closed) return;
        background.execute(() -> replaceFailed(replica, reason, System.nanoTime()));
    }

    private void replaceFailed(Replica failed, String reason, long detectedAt) {
        if (standbys.replaceFailed(failed, reason)) return;
        boolean vacant = false;
        changes.lock();
        try {
            Node<Replica> node = map.ring().node(failed.hostname());
            if (node == null || closed) return;
            Optional<Replica> standby = standbys.takeLive();
            if (standby.isPresent()) {
                String name = standby.get().hostname();
                standby.get().slowStart().joined(clock);
                try {
                    map.replace(failed.hostname(), name, standby.get());
                } catch (RingFullException e) {
                    throw new IllegalStateException("the standby takes the failed replica's own slots, which are free", e);
                }
                runtime.placed(name, Seat.of(map.ring(), name).place(System.currentTimeMillis()));
                events.respawned(failed.hostname(), name, node.ringId());
                log.warn("replica {} failed ({}); replaced by {} on ring id {} in {} ms (warm standby); now {}", failed.hostname(), reason,
                        name, node.ringId(), millisSince(detectedAt), hostnames());
            } else {
                vacancies.add(new Vacancy(Seat.of(map.ring(), failed.hostname()), failed.hostname()));
                map.remove(failed.hostname());
                vacant = true;
                log.warn("replica {} failed ({}); no standby at hand: starting a replacement for ring id {}", failed.hostname(), reason, node.ringId());
            }
            runtime.stop(failed.hostname(), true);
        } finally {
            changes.unlock();
        }
        if (vacant) {
            fillVacancies(); // refills the standbys once the replacement is in
        } else {
            standbys.refill();
        }
    }

    /**
     * Puts a replica on every vacant seat: a live standby if there is one, else a fresh start. When a start fails,
     * tries again later, with a longer delay each time, until N is back.
     */
    private void fillVacancies() {
        changes.lock();
        try {
            Vacancy vacancy;
            while (!closed && (vacancy = vacancies.peek()) != null) {
                long t0 = System.nanoTime();
                Seat seat = vacancy.seat();
                Place place = seat.place(System.currentTimeMillis());
                Optional<Replica> standby = standbys.takeLive();
                Replica replacement = standby.isPresent() ? standby.get() : spawner.spawnOne(Hostnames.random(namesInUse()), Optional.of(place));
                try {
                    replacement.slowStart().joined(clock);
                    Node<Replica> added = seat.takeIn(map, replacement);
                    Place taken = Seat.of(map.ring(), added.name()).place(place.joined());
                    if (standby.isPresent() || !taken.equals(place)) runtime.placed(added.name(), taken);
                    events.respawned(vacancy.failed(), replacement.hostname(), added.ringId());
                } catch (RingFullException e) {
                    runtime.stop(replacement.hostname(), true);
                    log.error("replacement {} does not fit the map ({}); N stays {}", replacement.hostname(), e.getMessage(), hostnames().size());
                }
                vacancies.poll();
                vacancyRetry.succeeded();
                log.warn("replica {} fills vacant ring id {} in {} ms{}; now {}", replacement.hostname(), seat.ringId(), millisSince(t0),
                        standby.isPresent() ? " (warm standby)" : " (fresh start)", hostnames());
            }
        } catch (StartFailed e) {
            Duration delay = vacancyRetry.failed();
            log.error("could not start a replacement: {}; {} replicas serve, {} ring ids vacant; next attempt in {} ms",
                    e.getMessage(), map.ring().size(), vacancies.size(), delay.toMillis());
        } finally {
            changes.unlock();
        }
        standbys.refill(); // a standby taken here, also on a later retry, is started again
    }

    private String reserveName() {
        changes.lock();
        try {
            String name = Hostnames.random(namesInUse());
            reservedNames.add(name);
            return name;
        } finally {
            changes.unlock();
        }
    }

    /** {@code count} random hostnames, none in {@code taken}, to which they are added. */
    private static List<String> randomNames(int count, Set<String> taken) {
        List<String> names = new ArrayList<>();
        while (names.size() < count) {
            String name = Hostnames.random(taken);
            taken.add(name);
            names.add(name);
        }
        return names;
    }

    private Set<String> namesInUse() {
        Set<String> taken = new HashSet<>(hostnames());
        taken.addAll(standbyHostnames());
        taken.addAll(reservedNames);
        taken.addAll(runtime.running());
        return taken;
    }

    /**
     * The places {@code names} take when they join the map now: the ring ids and placements {@link #install} gives
     * them. Refuses, before anything starts, what the map cannot hold.
     */
    private Map<String, Place> placesFor(List<String> names) throws NoRoom {
        Ring<Replica> next;
        try {
            next = map.preview(names);
        } catch (RingFullException e) {
            throw new NoRoom("Cannot add " + names.size() + " replicas to the " + map.ring().size()
                    + " there are: the map (" + capacityNote(map.ring().strategy()) + ") has no room for them (" + e.getMessage() + ")");
        }
        long joined = System.currentTimeMillis();
        Map<String, Place> places = new HashMap<>();
        for (String name : names) places.put(name, Seat.of(next, name).place(joined));
        return places;
    }

    private static String capacityNote(RingStrategy strategy) {
        if (strategy instanceof RingConfig slots) return slots.slots() + " slots, " + slots.virtualServers() + " virtual servers each";
        return strategy.name() + ", at most " + strategy.capacity() + " replicas";
    }

    private void install(LinkedHashMap<String, Replica> backends) throws NoRoom {
        try {
            map.addAll(backends);
        } catch (RingFullException e) {
            spawner.stopAll(backends.keySet());
            throw new NoRoom("The map has no room for the new replicas: " + e.getMessage());
        }
    }

    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    /** Stops taking changes and stops every replica and standby. */
    @Override
    public void close() {
        closed = true;
        standbys.close();
        changes.lock();
        try {
            background.shutdownNow();
            runtime.close();
        } finally {
            changes.unlock();
        }
    }
}

package dev.clb.lb.membership;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingFullException;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import io.netty.util.concurrent.Ticker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Servers the load balancer fronts but does not own ({@code --runtime static --backends host:port[=W],...}): they go in
 * the map in the order given, on ring ids 1, 2, ..., each with its weight; one that fails leaves the map and comes
 * back, on its own seat and with its weight, when it answers heartbeats again, the same {@link Replica} object, its
 * state kept, its slow start begun. Nothing is ever started or stopped, so
 * {@code /add} and {@code /rm} are refused.
 */
public final class StaticMembership implements Membership {
    private static final Logger log = LoggerFactory.getLogger(StaticMembership.class);

    private final ConsistentHashMap<Replica> map;
    private volatile List<Fronted> backends;
    /** The choosers' clock: a backend back up starts its slow start on it. */
    private final Ticker clock;
    /** Backends that are down, with the seat each gets back when it recovers. */
    private final Map<String, Seat> down = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A backend and its weight: its share of the request ids is its weight over the sum of the weights. */
    public record WeightedBackend(Backend backend, int weight) {
    }

    /** A backend's replica object, kept for good (it comes back after a failure), and its weight. */
    public record Fronted(Replica replica, int weight) {
    }

    /** {@code backends} as {@link #fitting} let them through; {@code clock} is the choosers'. */
    public StaticMembership(ConsistentHashMap<Replica> map, List<Fronted> backends, Ticker clock) {
        this.map = map;
        this.backends = List.copyOf(backends);
        this.clock = clock;
    }

    /**
     * {@code backends} when all of them fit one map of {@code strategy}, in order, with their weights: the slot map takes no
     * weight but 1, a ring no more points than it holds; refused before anything is started, since a backend that does
     * not fit would otherwise be left out of the map, and out of the heartbeats, for good.
     */
    public static List<WeightedBackend> fitting(RingStrategy strategy, List<WeightedBackend> backends) {
        Ring<WeightedBackend> trial = strategy.empty();
        for (int i = 0; i < backends.size(); i++) {
            WeightedBackend backend = backends.get(i);
            try {
                trial = trial.with(new Node<>(backend.backend().hostname(), i + 1, backend.weight(), backend));
            } catch (RingFullException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        return backends;
    }

    /**
     * The backends {@code hostPorts} names: {@code host:port} each, the whole string being its hostname, optionally
     * followed by {@code =W}, its weight (1 when absent).
     */
    public static List<WeightedBackend> backends(List<String> hostPorts) {
        if (hostPorts.isEmpty()) throw new IllegalArgumentException("the static runtime needs at least one backend, host:port");
        List<WeightedBackend> parsed = new ArrayList<>();
        for (String given : hostPorts) {
            int equals = given.lastIndexOf('=');
            String hostPort = equals < 0 ? given : given.substring(0, equals);
            int weight = equals < 0 ? 1 : weight(given, given.substring(equals + 1));
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("backend '" + hostPort + "' is not host:port");
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("backend '" + hostPort + "' has no numeric port");
            }
            parsed.add(new WeightedBackend(new Backend(hostPort, hostPort.substring(0, colon), port), weight));
        }
        return parsed;
    }

    private static int weight(String given, String weight) {
        int parsed;
        try {
            parsed = Integer.parseInt(weight);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("backend '" + given + "' has no numeric weight");
        }
        try {
            return Node.checkWeight(parsed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend '" + given + "': " + e.getMessage(), e);
        }
    }

    /** Puts every backend in the map, answering or not: the monitor takes the dead ones out. {@code replicas} is moot. */
    @Override
    public synchronized void start(int replicas) {
        for (int i = 0; i < backends.size(); i++) {
            Replica backend = backends.get(i).replica();
            try {
                map.add(new Node<>(backend.hostname(), i + 1, backends.get(i).weight(), backend), Optional.empty());
            } catch (RingFullException | IllegalArgumentException e) {
                log.warn("backend {} does not fit the map: {}", backend.hostname(), e.getMessage());
            }
        }
        log.info("fronting {} static backends: {}", map.ring().size(), hostnames());
    }

    /**
     * Fronts {@code next} on {@code strategy} from now on, in one change of the map (a reload): a backend kept, by hostname,
     * keeps its replica object with its state and its ring id, and takes its new weight; a new one gets {@code made}'s
     * replica and the smallest ring id no kept one holds; one no longer listed leaves the map and the heartbeats. A kept
     * backend that is down stays out, to come back on its new seat. Throws, changing nothing, when they do not fit.
     */
    public synchronized void reconfigure(RingStrategy strategy, List<WeightedBackend> next, Function<Backend, Replica> made) throws RingFullException {
        Plan plan = plan(next, made);
        Set<Replica> before = new HashSet<>();
        backends.forEach(f -> before.add(f.replica()));
        // a backend the reload adds joins as a new replica does: slow-started, before the ring that gives it ids
        plan.nodes().stream().map(Node::value).filter(replica -> !before.contains(replica)).forEach(replica -> replica.slowStart().joined(clock));
        map.rebuild(strategy, plan.nodes());
        backends = plan.fronted();
        down.clear();
        down.putAll(plan.stillDown());
        log.info("fronting {} static backends on the {} strategy: {}", next.size(), strategy.name(), hostnames());
    }

    /** The ring {@link #reconfigure} would install, the new backends without a replica (null values); nothing changes. */
    public synchronized Ring<Replica> planned(RingStrategy strategy, List<WeightedBackend> next) throws RingFullException {
        Ring<Replica> ring = strategy.empty();
        for (Node<Replica> node : plan(next, b -> null).nodes()) ring = ring.with(node, map.ring().placement(node.name()));
        return ring;
    }

    /** The backends as {@link #reconfigure} leaves them: every one fronted, the nodes of those up, the seats of those down. */
    private record Plan(List<Fronted> fronted, List<Node<Replica>> nodes, Map<String, Seat> stillDown) {
    }

    private Plan plan(List<WeightedBackend> next, Function<Backend, Replica> made) {
        Ring<Replica> ring = map.ring();
        Map<String, Integer> ringIds = new HashMap<>();
        ring.nodes().forEach(n -> ringIds.put(n.name(), n.ringId()));
        down.forEach((hostname, seat) -> ringIds.put(hostname, seat.ringId()));
        Map<String, Replica> kept = new HashMap<>();
        backends.forEach(f -> kept.put(f.replica().hostname(), f.replica()));
        Set<Integer> taken = new HashSet<>();
        for (WeightedBackend b : next) if (kept.containsKey(b.backend().hostname())) taken.add(ringIds.get(b.backend().hostname()));
        List<Fronted> fronted = new ArrayList<>();
        List<Node<Replica>> nodes = new ArrayList<>();
        Map<String, Seat> stillDown = new HashMap<>();
        int free = 1;
        for (WeightedBackend b : next) {
            String hostname = b.backend().hostname();
            Replica replica = kept.containsKey(hostname) ? kept.get(hostname) : made.apply(b.backend());
            int ringId;
            if (kept.containsKey(hostname)) {
                ringId = ringIds.get(hostname);
            } else {
                while (taken.contains(free)) free++;
                ringId = free;
                taken.add(free);
            }
            fronted.add(new Fronted(replica, b.weight()));
            if (down.containsKey(hostname)) {
                stillDown.put(hostname, new Seat(ringId, b.weight(), Optional.empty()));
            } else {
                nodes.add(new Node<>(hostname, ringId, b.weight(), replica));
            }
        }
        return new Plan(List.copyOf(fronted), nodes, stillDown);
    }

    @Override
    public List<String> add(int n, List<String> hostnames) throws InvalidChange {
        throw cannot("add");
    }

    @Override
    public List<String> remove(int n, List<String> hostnames) throws InvalidChange {
        throw cannot("remove");
    }

    private InvalidChange cannot(String action) {
        return new InvalidChange("The " + runtimeName() + " runtime cannot " + action + " replicas: it fronts a fixed set of backends");
    }

    /*
     * The monitor marks a backend's health down or up, then reports it here, from whichever thread saw the heartbeat; a
     * heartbeat of the other outcome can land in between, and its report can come first. So the report only says "look
     * again": the map follows what the backend's health says now, under this lock. Acting on a stale report would leave
     * a backend that answers out of the map for good (its next answers are no recovery: it is already up), or one
     * that is down in it (its next misses are no failure: it is already down).
     */
    @Override
    public synchronized void failed(Replica backend, String reason) {
        if (closed || !backend.health().isDown() || map.ring().node(backend.hostname()) == null) return;
        down.put(backend.hostname(), Seat.of(map.ring(), backend.hostname()));
        map.remove(backend.hostname());
        log.warn("backend {} failed ({}): out of the map until it answers again; now {}", backend.hostname(), reason, hostnames());
    }

    @Override
    public synchronized void recovered(Replica backend) {
        if (backend.health().isDown()) return;
        Seat seat = down.remove(backend.hostname());
        if (seat == null || closed) return;
        try {
            backend.slowStart().joined(clock);
            seat.takeIn(map, backend);
            log.info("backend {} answers heartbeats again: back in the map; now {}", backend.hostname(), hostnames());
        } catch (RingFullException e) {
            log.warn("backend {} recovered but does not fit the map: {}", backend.hostname(), e.getMessage());
        }
    }

    @Override
    public Ring<Replica> ring() {
        return map.ring();
    }

    @Override
    public List<String> standbyHostnames() {
        return List.of();
    }

    /** The backends that are down, so that they are seen coming back. */
    @Override
    public Collection<Replica> alsoMonitored() {
        return backends.stream().map(Fronted::replica).filter(b -> down.containsKey(b.hostname())).toList();
    }

    @Override
    public String runtimeName() {
        return "static";
    }

    @Override
    public void close() {
        closed = true;
    }
}

package dev.clb.lb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingFullException;
import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.config.FixedSettings;
import dev.clb.lb.config.LiveSettings;
import dev.clb.lb.config.LoadBalancerConfig;
import dev.clb.lb.core.ReplicaChooser;
import dev.clb.lb.edge.EdgePolicy;
import dev.clb.lb.edge.RateLimit;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.management.RingRoutes;
import dev.clb.lb.membership.StaticMembership;
import dev.clb.lb.observability.AccessLog;
import dev.clb.lb.proxy.ProxyEvents;
import dev.clb.lb.proxy.RequestPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way the live settings of a running load balancer change (a reload of the configuration file; in a cluster
 * each instance reloads its own, the strategy excepted): {@link #apply} takes a whole {@link LiveSettings} and installs it in one step, {@link #check}
 * says what applying it would do and changes nothing. Every consumer reads the current {@link Revision} through one
 * reference, once per request ({@link RequestPolicy}) or per connection ({@link EdgePolicy}), so a request or a
 * connection in flight keeps the settings it started with and the next one gets the new ones; the ring is its map's
 * and is swapped whole by it (a new strategy or new static backends: a new ring of the same replicas on the same ring
 * ids); the heartbeat monitor takes its settings on its next round.
 */
public final class Reconfiguration {
    private static final Logger log = LoggerFactory.getLogger(Reconfiguration.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The live settings in force, their revision (1 at start) and hash, and what each consumer reads of them, made once. */
    public record Revision(LiveSettings settings, long number, String hash, RequestPolicy requests, EdgePolicy edge, Optional<AccessLog> accessLog) {
    }

    /** What {@link #apply} did. */
    public sealed interface Outcome {
        record Applied(Revision revision, List<String> changed) implements Outcome {
        }

        record Unchanged(Revision revision) implements Outcome {
        }

        /** Nothing changed: why, each reason naming its keys. */
        record Refused(List<String> reasons) implements Outcome {
        }
    }

    /** What applying a configuration would do: refused or not and why, the keys it changes, and the request ids it moves (see {@link Moves}). */
    public record Preview(boolean refused, List<String> reasons, List<String> changed, Optional<Moves> moves) {
    }

    /**
     * Over the six-digit request ids (A-5's ids, placed as the proxy places a request's id), each replica's share before and
     * after, and the fraction of ids served by another ring id after (of those served both times).
     */
    public record Moves(List<Share> replicas, long compared, long moved, double movedFraction) {
        public record Share(String hostname, int ringId, double before, double after) {
        }
    }

    private final FixedSettings fixed;
    private final ConsistentHashMap<Replica> map;
    private final Optional<StaticMembership> statics;
    private final HeartbeatMonitor monitor;
    private final ReplicaFactory made;
    private final List<ProxyEvents> observers;
    private final Consumer<Replica> ejectedTooOften;
    private final Counter rateLimited;
    private final MeterRegistry registry;
    private final Map<String, Counter> reloads = new LinkedHashMap<>();
    private final AtomicReference<Revision> current = new AtomicReference<>();

    /**
     * {@code observers}: who hears of every exchange besides the access log; {@code ejectedTooOften}: told of a replica
     * ejected as an outlier {@link OutlierDetection#REPLACE_AFTER} times in a row. Revision 1 is {@code first}.
     */
    Reconfiguration(LoadBalancerConfig first, ConsistentHashMap<Replica> map, Optional<StaticMembership> statics, HeartbeatMonitor monitor,
                    ReplicaFactory made, List<ProxyEvents> observers, Consumer<Replica> ejectedTooOften, MeterRegistry registry) {
        this.fixed = first.fixed();
        this.map = map;
        this.statics = statics;
        this.monitor = monitor;
        this.made = made;
        this.observers = List.copyOf(observers);
        this.ejectedTooOften = ejectedTooOften;
        this.registry = registry;
        this.rateLimited = Counter.builder("lb.rate.limited").description("Requests answered 429 by the per-client rate limit").register(registry);
        for (String result : List.of("applied", "refused", "unchanged")) {
            reloads.put(result, Counter.builder("lb.config.reloads").tag("result", result).description("Configuration reloads, by result").register(registry));
        }
        LiveSettings live = first.live();
        current.set(revision(live, 1, Optional.empty()));
    }

    public Revision current() {
        return current.get();
    }

    /** What {@code /ring} shows of the configuration. */
    RingRoutes.Configured shown() {
        Revision revision = current.get();
        return new RingRoutes.Configured(revision.settings().balancing().boundedLoad(), revision.settings().slowStart(), revision.number(),
                revision.hash());
    }

    /** A whole new configuration (a reload): refused naming the keys when its fixed part differs from the running one, else {@link #apply}. */
    public synchronized Outcome reload(LoadBalancerConfig next, String why) {
        List<String> fixedKeys = FixedKeys.changed(fixed, next.fixed());
        if (!fixedKeys.isEmpty()) return refused(why, List.of("only a restart changes " + String.join(", ", fixedKeys)));
        Optional<String> inCluster = strategyInCluster(next.live());
        if (inCluster.isPresent()) return refused(why, List.of(inCluster.get()));
        return apply(next.live(), why);
    }

    /**
     * Why {@code next} cannot be applied to one instance of a cluster: its instances route by one table, which the
     * store carries with its strategy, so they change strategy together or not at all.
     */
    private Optional<String> strategyInCluster(LiveSettings next) {
        boolean strategyChanged = !next.balancing().strategy().equals(current.get().settings().balancing().strategy());
        return fixed.cluster().isPresent() && strategyChanged
                ? Optional.of("in a cluster the instances route by one table: the strategy changes only by restarting every instance with it")
                : Optional.empty();
    }

    /** Counts and logs a reload refused before it came to the live settings: a file that does not parse or holds a bad value. */
    public Outcome refused(String why, List<String> reasons) {
        reloads.get("refused").increment();
        log.error("configuration reload on {} refused, nothing changed: {}", why, String.join("; ", reasons));
        return new Outcome.Refused(reasons);
    }

    /** Installs {@code next} whole, or nothing when it is refused (the replicas do not fit its strategy). */
    public synchronized Outcome apply(LiveSettings next, String why) {
        Revision before = current.get();
        List<String> changed = LiveKeys.changed(before.settings(), next);
        if (changed.isEmpty()) {
            reloads.get("unchanged").increment();
            log.info("configuration reload on {}: nothing changed (revision {})", why, before.number());
            return new Outcome.Unchanged(before);
        }
        Revision revision; // made first: it opens a new access log, which can still be refused, before the ring changes
        try {
            revision = revision(next, before.number() + 1, Optional.of(before));
        } catch (IllegalArgumentException e) {
            return refused(why, List.of(e.getMessage()));
        }
        try {
            placeReplicas(before.settings(), next);
        } catch (RingFullException | IllegalArgumentException e) {
            if (revision.accessLog() != before.accessLog()) revision.accessLog().ifPresent(AccessLog::close);
            return refused(why, List.of("the replicas do not fit: " + e.getMessage()));
        }
        current.set(revision);
        monitor.reconfigure(next.heartbeat());
        if (before.accessLog() != revision.accessLog()) before.accessLog().ifPresent(AccessLog::close);
        reloads.get("applied").increment();
        log.info("configuration reload on {} applied: revision {} ({}), changed {}", why, revision.number(), revision.hash(), changed);
        return new Outcome.Applied(revision, changed);
    }

    /** What {@link #reload} would do with {@code next}; nothing changes. */
    public Preview check(LoadBalancerConfig next) {
        List<String> reasons = new ArrayList<>();
        List<String> fixedKeys = FixedKeys.changed(fixed, next.fixed());
        if (!fixedKeys.isEmpty()) reasons.add("only a restart changes " + String.join(", ", fixedKeys));
        strategyInCluster(next.live()).ifPresent(reasons::add);
        List<String> changed = LiveKeys.changed(current.get().settings(), next.live());
        Optional<Moves> moves = Optional.empty();
        try {
            moves = Optional.of(moves(map.ring(), plannedRing(current.get().settings(), next.live())));
        } catch (RingFullException | IllegalArgumentException e) {
            reasons.add("the replicas do not fit: " + e.getMessage());
        }
        return new Preview(!reasons.isEmpty(), reasons, changed, moves);
    }

    /** The ring the map would hold with {@code next}, its new replicas (static backends) without a value; the map is untouched. */
    private Ring<Replica> plannedRing(LiveSettings before, LiveSettings next) throws RingFullException {
        if (statics.isPresent() && !before.backends().equals(next.backends())) {
            return statics.get().planned(next.balancing().strategy(), next.backends());
        }
        return before.balancing().strategy().equals(next.balancing().strategy()) ? map.ring() : ConsistentHashMap.rebuilt(map.ring(), next.balancing().strategy());
    }

    private void placeReplicas(LiveSettings before, LiveSettings next) throws RingFullException {
        if (statics.isPresent() && !before.backends().equals(next.backends())) {
            statics.get().reconfigure(next.balancing().strategy(), next.backends(), b -> made.of(b));
        } else if (!before.balancing().strategy().equals(next.balancing().strategy())) {
            map.switchTo(next.balancing().strategy());
        }
    }

    static Moves moves(Ring<Replica> before, Ring<Replica> after) {
        long compared = 0, moved = 0;
        for (long id = Ring.FIRST_SIX_DIGIT_ID; id <= Ring.LAST_SIX_DIGIT_ID; id++) {
            Node<Replica> was = before.lookup(id);
            Node<Replica> is = after.lookup(id);
            if (was == null || is == null) continue;
            compared++;
            if (was.ringId() != is.ringId()) moved++;
        }
        Map<String, Long> sharesBefore = before.shares();
        Map<String, Long> sharesAfter = after.shares();
        Map<String, Integer> ringIds = new LinkedHashMap<>();
        before.nodes().forEach(n -> ringIds.put(n.name(), n.ringId()));
        after.nodes().forEach(n -> ringIds.put(n.name(), n.ringId()));
        List<Moves.Share> shares = new ArrayList<>();
        ringIds.forEach((name, ringId) -> shares.add(new Moves.Share(name, ringId,
                sharesBefore.getOrDefault(name, 0L) / (double) Ring.SIX_DIGIT_IDS, sharesAfter.getOrDefault(name, 0L) / (double) Ring.SIX_DIGIT_IDS)));
        return new Moves(shares, compared, moved, compared == 0 ? 0 : (double) moved / compared);
    }

    /** The revision {@code live} makes: the consumers' snapshots, reusing {@code before}'s where their settings did not change (the rate limit's table, the access log). */
    private Revision revision(LiveSettings live, long number, Optional<Revision> before) {
        Optional<RateLimit> rateLimit = before.filter(b -> b.settings().rateLimits().equals(live.rateLimits())).map(b -> b.edge().rateLimit())
                .orElseGet(() -> live.rateLimits().rate().map(r -> new RateLimit(r, live.rateLimits().trustedProxies(), rateLimited::increment)));
        Optional<AccessLog> accessLog = before.filter(b -> b.settings().accessLog().equals(live.accessLog())).map(Revision::accessLog)
                .orElseGet(() -> live.accessLog().map(destination -> LoadBalancerOptions.converted("--access-log", () -> AccessLog.open(destination, registry))));
        List<ProxyEvents> events = new ArrayList<>(observers);
        accessLog.ifPresent(events::add);
        RequestPolicy requests = new RequestPolicy(live.proxyTimeout().toMillis(), ReplicaChooser.of(live.balancing().boundedLoad(), made::inFlight, live::slowStart),
                new OutlierDetection(live.outliers(), ejectedTooOften), live.proxy(), ProxyEvents.all(events));
        return new Revision(live, number, hash(live), requests, new EdgePolicy(live.clients(), rateLimit), accessLog);
    }

    /** Hex SHA-256 of the canonical form of {@code live}: its keys in a fixed order, as {@link LiveKeys} writes them. */
    static String hash(LiveSettings live) {
        try {
            byte[] canonical = JSON.writeValueAsString(LiveKeys.canonical(live)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keys (option names) whose values differ between two live settings. */
    static final class LiveKeys {
        private LiveKeys() {
        }

        static Map<String, String> canonical(LiveSettings s) {
            Map<String, String> keys = new LinkedHashMap<>();
            var d = s.balancing().strategy().describe();
            keys.put("strategy", d.toString());
            keys.put("bounded-load", s.balancing().boundedLoad().toString());
            keys.put("heartbeat", s.heartbeat().toString());
            keys.put("client-limits", s.clients().toString());
            keys.put("proxy-timeout", s.proxyTimeout().toString());
            keys.put("proxy", s.proxy().toString());
            keys.put("outlier", s.outliers().toString());
            keys.put("slow-start", s.slowStart().toString());
            keys.put("rate-limit", s.rateLimits().rate().map(Objects::toString).orElse("off") + " trusted " + s.rateLimits().trustedProxies());
            keys.put("access-log", s.accessLog().toString());
            keys.put("backends", s.backends().stream().map(b -> b.backend().hostname() + "=" + b.weight()).toList().toString());
            return keys;
        }

        static List<String> changed(LiveSettings a, LiveSettings b) {
            Map<String, String> before = canonical(a);
            Map<String, String> after = canonical(b);
            return before.keySet().stream().filter(key -> !before.get(key).equals(after.get(key))).toList();
        }
    }

    /** The keys (option names) of the fixed settings that differ: a reload that changes one is refused whole. */
    static final class FixedKeys {
        private FixedKeys() {
        }

        static List<String> changed(FixedSettings a, FixedSettings b) {
            List<String> keys = new ArrayList<>();
            differs(keys, "port", a.listen().port(), b.listen().port());
            differs(keys, "bind", a.listen().bind(), b.listen().bind());
            differs(keys, "io-threads", a.listen().ioThreads(), b.listen().ioThreads());
            differs(keys, "transport", a.listen().transport(), b.listen().transport());
            differs(keys, "tls-port", a.tls().map(t -> t.port()), b.tls().map(t -> t.port()));
            differs(keys, "tls-cert, tls-key", a.tls().map(t -> t.settings().certificates()), b.tls().map(t -> t.settings().certificates()));
            differs(keys, "tls-provider", a.tls().map(t -> t.settings().provider()), b.tls().map(t -> t.settings().provider()));
            differs(keys, "tls-ticket-keys", a.tls().map(t -> t.settings().ticketKeys()), b.tls().map(t -> t.settings().ticketKeys()));
            differs(keys, "management-port", a.management().map(m -> m.port()), b.management().map(m -> m.port()));
            differs(keys, "management-bind", a.management().map(m -> m.bind()), b.management().map(m -> m.bind()));
            differs(keys, "runtime", a.runtime(), b.runtime());
            differs(keys, "replicas", a.replicas(), b.replicas());
            differs(keys, "standby", a.membership().standbys(), b.membership().standbys());
            differs(keys, "spawn-timeout", a.membership().spawnTimeout(), b.membership().spawnTimeout());
            differs(keys, "drain-timeout", a.membership().drainTimeout(), b.membership().drainTimeout());
            differs(keys, "metrics-retention", a.metricsRetention(), b.metricsRetention());
            differs(keys, "admin-token", a.adminToken(), b.adminToken());
            differs(keys, "cluster-etcd, cluster-name, instance-id, cluster-lease, cluster-advertise", a.cluster(), b.cluster());
            return keys;
        }

        private static void differs(List<String> keys, String key, Object a, Object b) {
            if (!Objects.equals(a, b)) keys.add(key);
        }
    }
}

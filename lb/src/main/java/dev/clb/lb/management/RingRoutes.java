package dev.clb.lb.management;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.membership.Membership;
import io.javalin.config.JavalinConfig;
import io.netty.util.concurrent.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * {@code GET /ring}: the strategy, its parameters and each replica's ring id, weight and share of the six-digit request
 * ids from the model, in {@code /rep} order, whether it is ejected as an outlier and until when (epoch ms), and until
 * when it is within its slow start (epoch ms); the running configuration's revision (1 at start, one more per applied
 * reload) and hash; the table's digest, and in a cluster the revision and leader. The analyzer reads ring ids and
 * expected splits from here.
 */
public final class RingRoutes implements ManagementRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Membership membership;
    private final Supplier<Configured> configured;
    /** The last ring's digest: computed once per ring, not per request. */
    private final AtomicReference<Digested> digested = new AtomicReference<>();

    private record Digested(Ring<Replica> ring, String digest) {
    }

    /**
     * What {@code /ring} shows of the running configuration: the bounded-load factor (empty: off), the slow-start
     * window (zero: off), its revision and its hash.
     */
    public record Configured(OptionalDouble boundedLoad, Duration slowStart, long revision, String hash) {
    }

    public RingRoutes(Membership membership, Supplier<Configured> configured) {
        this.membership = membership;
        this.configured = configured;
    }

    /**
     * The body of {@code /ring}; a parameter that does not apply to the strategy is JSON null, hence the boxed fields.
     * {@code digest}: see {@link RingDigest}; {@code revision} and {@code leader}: the cluster's state this ring was
     * installed from and who leads (JSON null outside a cluster).
     */
    record RingView(String strategy, String hash, Double boundedLoad, Integer slots, Integer vnodes, Integer tableSize, String probe,
                    long configRevision, String configHash, String digest, Long revision, String leader, List<Replica> replicas) {
        record Replica(String hostname, int ringId, int weight, double share, boolean ejected, Long ejectedUntil, Long slowStartUntil) {
        }
    }

    RingView view() {
        Configured config = configured.get();
        OptionalDouble boundedLoad = config.boundedLoad();
        OptionalLong revision = membership.revision();
        Ring<Replica> ring = membership.ring();
        RingStrategy.Description d = ring.strategy().describe();
        Map<String, Long> ids = ring.shares();
        long window = config.slowStart().toNanos();
        List<RingView.Replica> replicas = ring.nodes().stream()
                .map((Node<Replica> n) -> {
                    OptionalLong until = n.value().ejection().ejectedUntil(Ticker.systemTicker(), Clock.systemUTC());
                    OptionalLong warming = n.value().slowStart().until(window, Ticker.systemTicker(), Clock.systemUTC());
                    return new RingView.Replica(n.name(), n.ringId(), n.weight(), ids.get(n.name()) / (double) Ring.SIX_DIGIT_IDS,
                            until.isPresent(), boxed(until), boxed(warming));
                }).toList();
        return new RingView(d.strategy(), d.hash(), boundedLoad.isPresent() ? boundedLoad.getAsDouble() : null, boxed(d.slots()),
                boxed(d.vnodes()), boxed(d.tableSize()), d.probe().orElse(null), config.revision(), config.hash(), digest(ring),
                revision.isPresent() ? revision.getAsLong() : null, membership.leader().orElse(null), replicas);
    }

    private String digest(Ring<Replica> ring) {
        Digested last = digested.get();
        if (last != null && last.ring() == ring) return last.digest();
        String digest = RingDigest.of(ring);
        digested.set(new Digested(ring, digest));
        return digest;
    }

    private static Integer boxed(OptionalInt value) {
        return value.isPresent() ? value.getAsInt() : null;
    }

    private static Long boxed(OptionalLong value) {
        return value.isPresent() ? value.getAsLong() : null;
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get("/ring", ctx -> ctx.contentType("application/json").result(body()));
    }

    String body() throws JsonProcessingException {
        return JSON.writeValueAsString(view());
    }
}

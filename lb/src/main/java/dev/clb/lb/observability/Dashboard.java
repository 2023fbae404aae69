package dev.clb.lb.observability;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.management.ManagementRoutes;
import dev.clb.lb.membership.Membership;
import io.javalin.config.JavalinConfig;
import io.netty.util.concurrent.Ticker;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /dashboard}: one self-contained page that draws the ring and each replica's traffic, refreshed every
 * second from {@code GET /dashboard/state}. The state carries running totals; the page turns two of them into
 * rates, so any number of viewers can poll without sharing a window.
 */
public final class Dashboard implements ManagementRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Membership replicas;
    private final Metrics metrics;
    private final byte[] page;

    public Dashboard(Membership replicas, Metrics metrics) {
        this.replicas = replicas;
        this.metrics = metrics;
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
            if (in == null) throw new IllegalStateException("dashboard.html is missing from the jar");
            this.page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the page shows, as of {@code epochMillis}. */
    record State(long epochMillis, String runtime, int slots, List<ReplicaState> replicas, List<String> standbys, Traffic unrouted,
                 Map<String, Long> protocols, List<MembershipMetrics.Event> events) {
    }

    /** One replica: where it sits on the ring, its traffic so far and until when it is ejected as an outlier (epoch ms; null: it is not). */
    record ReplicaState(String hostname, int ringId, int weight, int[] virtualServerSlots, int servedSlots, double share, Traffic traffic,
                        int inFlight, Long ejectedUntil) {
    }

    /** Requests answered so far and their summed duration. */
    record Traffic(long requests, double seconds) {
        static Traffic of(Timer timer) {
            return new Traffic(timer.count(), timer.totalTime(TimeUnit.SECONDS));
        }
    }

    State state() {
        Ring<Replica> current = replicas.ring();
        RingView ring = RingView.of(current);
        List<ReplicaState> states = new ArrayList<>();
        for (int i = 0; i < ring.replicas().size(); i++) { // in ring order, both
            RingView.Replica r = ring.replicas().get(i);
            Replica replica = current.nodes().get(i).value();
            states.add(new ReplicaState(r.hostname(), r.ringId(), r.weight(), r.virtualServerSlots(), r.servedSlots(), r.share(),
                    Traffic.of(replica.meters().duration()), replica.inFlight(), ejectedUntil(replica)));
        }
        return new State(System.currentTimeMillis(), replicas.runtimeName(), ring.slots(), states, replicas.standbyHostnames(),
                Traffic.of(metrics.requests().unrouted()), metrics.requests().protocols(), metrics.membership().recent());
    }

    private static Long ejectedUntil(Replica replica) {
        OptionalLong until = replica.ejection().ejectedUntil(Ticker.systemTicker(), Clock.systemUTC());
        return until.isPresent() ? until.getAsLong() : null;
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get("/dashboard", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
        config.routes.get("/dashboard/state", ctx -> ctx.contentType("application/json").result(JSON.writeValueAsString(state())));
    }
}

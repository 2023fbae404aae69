package dev.clb.lb.observability;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.lb.core.InFlight;
import dev.clb.lb.management.ManagementRoutes;
import dev.clb.lb.membership.Membership;
import io.javalin.config.JavalinConfig;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /dashboard}: one self-contained page that draws the ring and each replica's traffic, refreshed every
 * second from {@code GET /dashboard/state}. The state carries running totals; the page turns two of them into
 * rates, so any number of viewers can poll without sharing a window.
 */
public final class Dashboard implements ManagementRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Membership replicas;
    private final InFlight inFlight;
    private final Metrics metrics;
    private final byte[] page;

    public Dashboard(Membership replicas, InFlight inFlight, Metrics metrics) {
        this.replicas = replicas;
        this.inFlight = inFlight;
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

    /** One replica: where it sits on the ring and its traffic so far. */
    record ReplicaState(String hostname, int ringId, int weight, int[] virtualServerSlots, int servedSlots, double share, Traffic traffic,
                        int inFlight) {
    }

    /** Requests answered so far and their summed duration. */
    record Traffic(long requests, double seconds) {
        static Traffic of(Optional<Timer> timer) {
            return timer.map(t -> new Traffic(t.count(), t.totalTime(TimeUnit.SECONDS))).orElse(new Traffic(0, 0));
        }
    }

    State state() {
        RingView ring = RingView.of(replicas.ring());
        List<ReplicaState> states = ring.replicas().stream().map(r -> new ReplicaState(r.hostname(), r.ringId(), r.weight(), r.virtualServerSlots(),
                r.servedSlots(), r.share(), Traffic.of(metrics.requests().duration(r.hostname())), inFlight.of(r.hostname()))).toList();
        return new State(System.currentTimeMillis(), replicas.runtimeName(), ring.slots(), states, replicas.standbyHostnames(),
                Traffic.of(metrics.requests().duration(RequestMetrics.NO_REPLICA)), metrics.requests().protocols(), metrics.membership().recent());
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get("/dashboard", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
        config.routes.get("/dashboard/state", ctx -> ctx.contentType("application/json").result(JSON.writeValueAsString(state())));
    }
}

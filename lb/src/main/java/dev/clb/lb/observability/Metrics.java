package dev.clb.lb.observability;

import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.management.ManagementRoutes;
import dev.clb.lb.membership.Membership;
import io.javalin.config.JavalinConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The load balancer's meters in one Prometheus registry, served as {@code GET /metrics}: requests (through
 * {@link #requests()}), membership (through {@link #membership()}), the gauges, and the JVM and process.
 */
public final class Metrics implements ManagementRoutes, AutoCloseable {
    /** Prometheus' text exposition format, what {@link PrometheusMeterRegistry#scrape()} writes. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final RequestMetrics requests;
    private final MembershipMetrics membership = new MembershipMetrics(registry);

    /** {@code retention}: how long a replica's series stay after it left the ring with nothing in flight. */
    public Metrics(Duration retention) {
        requests = new RequestMetrics(registry, retention, System::nanoTime);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** The gauges that read the load balancer's state when scraped. */
    public void watch(Membership replicas, ReplicaFactory made) {
        Gauge.builder("lb.inflight.requests", made, ReplicaFactory::inFlight)
                .description("Attempts on replicas in flight now").register(registry);
        Gauge.builder("lb.replicas", replicas, r -> r.ring().size())
                .description("Replicas in the ring").register(registry);
        Gauge.builder("lb.standby.replicas", replicas, r -> r.standbyHostnames().size())
                .description("Warm standby replicas ready").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** A new ring is installed: counted, and the series of replicas that left it are retired (see {@link RequestMetrics}). */
    public void ringChanged(Ring<Replica> ring) {
        membership.ringChanged(ring.nodes().stream().map(node -> node.name()).toList());
        requests.ringChanged(ring);
    }

    public RequestMetrics requests() {
        return requests;
    }

    public MembershipMetrics membership() {
        return membership;
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get("/metrics", ctx -> {
            requests.sweep();
            ctx.contentType(CONTENT_TYPE).result(registry.scrape());
        });
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}

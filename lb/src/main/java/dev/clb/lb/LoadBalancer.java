package dev.clb.lb;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.cluster.ClusterRoutes;
import dev.clb.lb.cluster.EtcdStore;
import dev.clb.lb.cluster.HttpLeaderLink;
import dev.clb.lb.config.Cluster;
import dev.clb.lb.config.FixedSettings;
import dev.clb.lb.config.Listen;
import dev.clb.lb.config.LiveSettings;
import dev.clb.lb.config.LoadBalancerConfig;
import dev.clb.lb.config.Management;
import dev.clb.lb.config.RuntimeChoice;
import dev.clb.lb.config.Tls;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.health.HeartbeatProbe;
import dev.clb.lb.health.JettyHeartbeatProbe;
import dev.clb.lb.edge.RequestRate;
import dev.clb.lb.server.LoadBalancerServer;
import dev.clb.lb.proxy.ProxyEvents;
import dev.clb.lb.management.ManagementRoutes;
import dev.clb.lb.management.ManagementServer;
import dev.clb.lb.management.RingRoutes;
import dev.clb.lb.membership.ClusterMembership;
import dev.clb.lb.membership.ManagedMembership;
import dev.clb.lb.membership.Membership;
import dev.clb.lb.membership.StaticMembership;
import dev.clb.lb.observability.AccessLog;
import dev.clb.lb.observability.Dashboard;
import dev.clb.lb.observability.Metrics;
import dev.clb.lb.runtime.ReplicaRuntime;
import dev.clb.lb.tls.CertificateRefused;
import dev.clb.lb.tls.HandshakeMetrics;
import dev.clb.lb.tls.TlsCertificates;
import dev.clb.lb.tls.TlsRoutes;
import io.netty.util.concurrent.Ticker;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.eclipse.jetty.client.HttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running load balancer: membership (and its runtime), heartbeat monitor and HTTP server, started and stopped together. */
public final class LoadBalancer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoadBalancer.class);

    private final Optional<ReplicaRuntime> runtime;
    private final Membership replicas;
    private final HeartbeatMonitor monitor;
    private final HttpClient heartbeatClient;
    private final ReplicaFactory made;
    private final Metrics metrics;
    private final Duration drainTimeout;
    private Reconfiguration live;
    private Optional<TlsCertificates> certificates = Optional.empty();
    private LoadBalancerServer server;
    private ManagementServer management;

    private LoadBalancer(Optional<ReplicaRuntime> runtime, Membership replicas, HeartbeatMonitor monitor, HttpClient heartbeatClient,
                         ReplicaFactory made, Metrics metrics, Duration drainTimeout) {
        this.runtime = runtime;
        this.replicas = replicas;
        this.monitor = monitor;
        this.heartbeatClient = heartbeatClient;
        this.made = made;
        this.metrics = metrics;
        this.drainTimeout = drainTimeout;
    }

    /**
     * Starts the replicas, then opens the port: once this returns, the load balancer serves. {@code config} is valid
     * by construction; what can still fail is the world: certificate files that do not parse, a port taken,
     * replicas that cannot be started or placed (a {@link dev.clb.lb.membership.MembershipException}).
     */
    public static LoadBalancer start(LoadBalancerConfig config) throws Exception {
        return start(config, text -> {
            throw new IllegalArgumentException("this load balancer was started without a command line to read a configuration with");
        });
    }

    /**
     * As {@link #start(LoadBalancerConfig)}; {@code configurations} gives the configuration a configuration file with a
     * given text would give (with the command line and environment of the start), for the dry run of {@code POST /config/check}.
     */
    public static LoadBalancer start(LoadBalancerConfig config, Function<String, LoadBalancerConfig> configurations) throws Exception {
        FixedSettings fixed = config.fixed();
        LiveSettings live = config.live();
        RingStrategy strategy = live.balancing().strategy();
        OptionalDouble boundedLoad = live.balancing().boundedLoad();
        HeartbeatMonitor.Settings heartbeat = live.heartbeat();
        HttpClient heartbeatClient = new HttpClient();
        heartbeatClient.setUserAgentField(null);
        heartbeatClient.setConnectTimeout(heartbeat.timeout().toMillis());
        heartbeatClient.start();
        // an instance of a cluster makes a runtime for each term it leads; alone, one runtime for its life
        Optional<ReplicaRuntime> runtime = fixed.cluster().isPresent() ? Optional.empty() : fixed.runtime().create();
        Metrics metrics = new Metrics(fixed.metricsRetention());
        Listen listen = fixed.listen();
        ReplicaFactory made = new ReplicaFactory(listen.ioThreads(), metrics.registry());
        List<Consumer<Ring<Replica>>> alsoTold = new CopyOnWriteArrayList<>();
        ConsistentHashMap<Replica> map = new ConsistentHashMap<>(strategy, ring -> {
            metrics.ringChanged(ring);
            alsoTold.forEach(told -> told.accept(ring));
        });
        HeartbeatProbe probe = new JettyHeartbeatProbe(heartbeatClient);
        // the one place that tells owned replicas from fronted servers and from a cluster's: everything else sees a Membership
        Optional<ClusterRoutes> clusterRoutes = Optional.empty();
        Optional<StaticMembership> statics = Optional.empty();
        Membership replicas;
        if (fixed.cluster().isPresent()) {
            Cluster cluster = fixed.cluster().get();
            EtcdStore store = new EtcdStore(cluster);
            ManagedMembership.Settings settings = fixed.membership();
            ClusterMembership clustered = new ClusterMembership(map, made, store,
                    new HttpLeaderLink(fixed.adminToken().authorization(), settings.spawnTimeout().multipliedBy(2).plus(settings.drainTimeout())),
                    () -> new ManagedMembership(map, fixed.runtime().create().orElseThrow(), probe, made, metrics.membership(), settings,
                            Ticker.systemTicker()),
                    fixed.runtime().name(), settings.spawnTimeout().plus(cluster.lease().multipliedBy(2)), Ticker.systemTicker());
            alsoTold.add(clustered::ringChanged);
            clusterRoutes = Optional.of(new ClusterRoutes(cluster, store, clustered));
            replicas = clustered;
        } else if (runtime.isPresent()) {
            replicas = new ManagedMembership(map, runtime.get(), probe, made, metrics.membership(), fixed.membership(), Ticker.systemTicker());
        } else {
            statics = Optional.of(new StaticMembership(map,
                    live.backends().stream().map(b -> new StaticMembership.Fronted(made.of(b.backend()), b.weight())).toList(), Ticker.systemTicker()));
            replicas = statics.get();
        }
        boolean owned = !(fixed.runtime() instanceof RuntimeChoice.Static);
        HeartbeatMonitor monitor = new HeartbeatMonitor(heartbeat, probe, replicas::monitored, replicas, metrics.membership());
        LoadBalancer lb = new LoadBalancer(runtime, replicas, monitor, heartbeatClient, made, metrics, fixed.membership().drainTimeout());
        metrics.watch(replicas, made);
        try {
            if (fixed.tls().isPresent()) {
                lb.certificates = Optional.of(TlsCertificates.start(fixed.tls().get().settings(), Clock.systemUTC(), metrics.registry()));
            }
            // request metrics only where they can be read: the management port is their one way out
            List<ProxyEvents> observers = new ArrayList<>();
            if (fixed.management().isPresent()) observers.add(metrics.requests());
            lb.live = new Reconfiguration(config, map, statics, monitor, made, observers, owned
                    ? replica -> monitor.ejectedTooOften(replica, OutlierDetection.REPLACE_AFTER)
                    : replica -> { }, metrics.registry()); // a static backend is not ours to replace: it stays, ejected for ever longer
            Reconfiguration reconfiguration = lb.live;
            log.info("runtime {}, {}, bounded loads {}, rate limit {}, heartbeat every {} ms (timeout {} ms, threshold {}), {} standby, {} I/O",
                    replicas.runtimeName(), strategy.describe(), boundedLoad.isPresent() ? boundedLoad.getAsDouble() : "off",
                    live.rateLimits().rate().map(RequestRate::toString).orElse("off"),
                    heartbeat.interval().toMillis(), heartbeat.timeout().toMillis(), heartbeat.threshold(),
                    owned ? fixed.membership().standbys() : 0, listen.transport().describe());
            replicas.start(fixed.replicas());
            replicas.onExit(monitor::exited);
            monitor.start();
            // the management port first: once the public port answers, /ring, /metrics and /dashboard do too
            if (fixed.management().isPresent()) {
                Management management = fixed.management().get();
                List<ManagementRoutes> routes = new ArrayList<>(List.of(new RingRoutes(replicas, reconfiguration::shown), new ConfigCheckRoutes(reconfiguration, configurations), metrics, new Dashboard(replicas, metrics)));
                int tlsPortAskedFor = fixed.tls().map(Tls::port).orElse(-1);
                clusterRoutes.ifPresent(routes::add);
                lb.certificates.ifPresent(certificates -> routes.add(new TlsRoutes(certificates,
                        () -> lb.server == null ? tlsPortAskedFor : lb.server.tlsPort().orElse(-1), Clock.systemUTC()))); // asked before the port is open: the port asked for
                lb.management = ManagementServer.start(management.bind(), management.port(), routes);
                log.info("management server on {}:{}", management.bind(), lb.management.port());
            }
            lb.server = LoadBalancerServer.start(new LoadBalancerServer.Listen(listen.bind(), listen.port(), listen.transport(),
                            () -> reconfiguration.current().edge(),
                            lb.certificates.map(certificates -> new LoadBalancerServer.TlsListen(fixed.tls().get().port(), certificates,
                                    new HandshakeMetrics(metrics.registry())))),
                    replicas, fixed.adminToken(), monitor, made, () -> reconfiguration.current().requests());
            log.info("load balancer listening on {}:{} with replicas {}", listen.bind(), lb.server.port(), replicas.hostnames());
            lb.certificates.ifPresent(certificates -> log.info("TLS on {}:{} (HTTP/2 and HTTP/1.1 by ALPN), provider {}, certificates for {}", listen.bind(),
                    lb.server.tlsPort().orElseThrow(), certificates.provider().describe(),
                    certificates.current().certificates().stream().map(c -> c.names().toString()).toList()));
            if (!fixed.adminToken().required() && !isLoopback(listen.bind())) {
                log.warn("/add and /rm are open to anyone who reaches {}:{}: set --admin-token (env LB_ADMIN_TOKEN) "
                        + "or bind to a loopback address", listen.bind(), lb.server.port());
            }
            return lb;
        } catch (CertificateRefused e) {
            lb.close();
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (Exception | Error e) {
            lb.close();
            throw e;
        }
    }

    private static boolean isLoopback(String bind) {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public int port() {
        return server.port();
    }

    /** The TLS port; empty without certificates. */
    public java.util.OptionalInt tlsPort() {
        return server.tlsPort();
    }

    /** The one entry point of a change of the live settings: reload, apply, check. */
    public Reconfiguration reconfiguration() {
        return live;
    }

    /** Reads the certificate files again now (SIGHUP); they are also watched. */
    public void reloadCertificates() {
        certificates.ifPresent(TlsCertificates::reload);
    }

    /** The management server's port; empty when it is turned off. */
    public java.util.OptionalInt managementPort() {
        return management == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(management.port());
    }

    public Membership replicas() {
        return replicas;
    }

    /** The runtime of the replicas it owns; none when it fronts static backends. */
    public Optional<ReplicaRuntime> runtime() {
        return runtime;
    }

    /**
     * Stops gracefully: closes the public port to new connections, gives the connections open up to
     * {@code --drain-timeout} to get their last answers (each told to close) and close, then stops everything and every replica.
     */
    @Override
    public void close() {
        if (server != null) drain();
        monitor.close();
        if (management != null) management.close();
        if (server != null) server.close();
        replicas.close();
        if (live != null) live.current().accessLog().ifPresent(AccessLog::close);
        certificates.ifPresent(TlsCertificates::close);
        metrics.close();
        try {
            heartbeatClient.stop();
        } catch (Exception e) {
            log.warn("stopping the heartbeat client: {}", e.getMessage());
        }
        log.info("load balancer stopped");
    }

    private void drain() {
        server.stopAccepting();
        long start = System.nanoTime();
        long deadline = start + drainTimeout.toNanos();
        log.info("draining: no new connections; {} connections open, {} requests in flight, get up to {} ms", server.openConnections(),
                made.inFlight(), drainTimeout.toMillis());
        boolean busy;
        while ((busy = server.openConnections() > 0 || made.inFlight() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (busy) {
            log.warn("drain timeout after {} ms: {} connections still open ({} requests in flight) are cut off", ms, server.openConnections(),
                    made.inFlight());
        } else {
            log.info("drained in {} ms", ms);
        }
    }
}

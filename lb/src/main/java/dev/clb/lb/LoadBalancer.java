package dev.clb.lb;

import static dev.clb.lb.LoadBalancerOptions.converted;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.core.ReplicaChooser;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.health.HeartbeatProbe;
import dev.clb.lb.health.JettyHeartbeatProbe;
import dev.clb.lb.admin.AdminToken;
import dev.clb.lb.edge.ClientLimits;
import dev.clb.lb.proxy.ForwardedHeaders;
import dev.clb.lb.proxy.ProxySettings;
import dev.clb.lb.server.LoadBalancerServer;
import dev.clb.lb.proxy.ProxyEvents;
import dev.clb.lb.server.Transport;
import dev.clb.lb.management.ManagementRoutes;
import dev.clb.lb.management.ManagementServer;
import dev.clb.lb.management.RingRoutes;
import dev.clb.lb.membership.ManagedMembership;
import dev.clb.lb.membership.Membership;
import dev.clb.lb.membership.StaticMembership;
import dev.clb.lb.observability.AccessLog;
import dev.clb.lb.observability.Dashboard;
import dev.clb.lb.observability.Metrics;
import dev.clb.lb.runtime.LocalProcessRuntime;
import dev.clb.lb.runtime.ReplicaRuntime;
import dev.clb.lb.tls.CertificateFiles;
import dev.clb.lb.tls.CertificateRefused;
import dev.clb.lb.tls.HandshakeMetrics;
import dev.clb.lb.tls.TlsCertificates;
import dev.clb.lb.tls.TlsProvider;
import dev.clb.lb.tls.TlsRoutes;
import dev.clb.lb.tls.TlsSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
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
    private Optional<AccessLog> accessLog = Optional.empty();
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
     * Validates {@code options}, starts the replicas, then opens the port: once this returns, the load balancer serves.
     * A refused option value is an IllegalArgumentException that names its flag; replicas that cannot be started or
     * placed, a {@link dev.clb.lb.membership.MembershipException}.
     */
    public static LoadBalancer start(LoadBalancerOptions options) throws Exception {
        RingStrategy strategy = StrategyOptions.strategy(options);
        OptionalDouble boundedLoad = StrategyOptions.boundedLoad(options);
        if (options.ioThreads < 0) throw new IllegalArgumentException("--io-threads must not be negative");
        if (options.retryBufferBytes < 0) throw new IllegalArgumentException("--retry-buffer must not be negative");
        if (options.attemptDeadlineFloorMs < 0) throw new IllegalArgumentException("--attempt-deadline-floor must not be negative");
        if (options.tunnelIdleTimeoutMs <= 0) throw new IllegalArgumentException("--tunnel-idle-timeout must be positive");
        ForwardedHeaders forwarded = converted("--forwarded", () -> ForwardedHeaders.named(options.forwarded));
        Transport transport = converted("--transport", () -> Transport.named(options.transport));
        if (options.drainTimeoutMs < 0) throw new IllegalArgumentException("--drain-timeout must not be negative");
        if (options.replicas < 0) throw new IllegalArgumentException("--replicas must not be negative");
        if (options.metricsRetentionMs < 0) throw new IllegalArgumentException("--metrics-retention must not be negative");
        if (options.headerTimeoutMs <= 0) throw new IllegalArgumentException("--header-timeout must be positive");
        if (options.idleTimeoutMs <= 0) throw new IllegalArgumentException("--idle-timeout must be positive");
        if (options.bodyTimeoutMs <= 0) throw new IllegalArgumentException("--body-timeout must be positive");
        if (options.maxConnections <= 0) throw new IllegalArgumentException("--max-connections must be positive");
        if (options.h2MaxStreams <= 0) throw new IllegalArgumentException("--h2-max-streams must be positive");
        ClientLimits clients = new ClientLimits(options.headerTimeoutMs, options.idleTimeoutMs, options.bodyTimeoutMs, options.maxConnections, options.h2MaxStreams);
        Optional<TlsSettings> tls = tlsSettings(options);
        if (options.replicas > strategy.capacity()) {
            throw new IllegalArgumentException("--replicas " + options.replicas + " does not fit " + fits(strategy));
        }
        if (options.heartbeatIntervalMs <= 0) throw new IllegalArgumentException("--heartbeat-interval must be positive");
        if (options.heartbeatTimeoutMs <= 0) throw new IllegalArgumentException("--heartbeat-timeout must be positive");
        if (options.failureThreshold < 1) throw new IllegalArgumentException("--failure-threshold must be at least 1");
        HeartbeatMonitor.Settings heartbeat = new HeartbeatMonitor.Settings(Duration.ofMillis(options.heartbeatIntervalMs),
                Duration.ofMillis(options.heartbeatTimeoutMs), options.failureThreshold);
        HttpClient heartbeatClient = new HttpClient();
        heartbeatClient.setUserAgentField(null);
        heartbeatClient.setConnectTimeout(options.heartbeatTimeoutMs);
        heartbeatClient.start();
        Optional<ReplicaRuntime> runtime = runtime(options);
        Metrics metrics = new Metrics(Duration.ofMillis(options.metricsRetentionMs));
        ReplicaFactory made = new ReplicaFactory(options.ioThreads, metrics.registry());
        ConsistentHashMap<Replica> map = new ConsistentHashMap<>(strategy, metrics::ringChanged);
        HeartbeatProbe probe = new JettyHeartbeatProbe(heartbeatClient);
        // the one place that tells owned replicas from fronted servers: everything else sees a Membership
        Membership replicas = runtime.<Membership>map(r -> new ManagedMembership(map, r, probe, made, metrics.membership(),
                        new ManagedMembership.Settings(Math.max(0, options.standby), Duration.ofMillis(options.spawnTimeoutMs),
                                Duration.ofMillis(options.drainTimeoutMs))))
                .orElseGet(() -> new StaticMembership(map, converted("--backends",
                        () -> StaticMembership.backends(options.backends == null ? List.of() : options.backends)).stream().map(made::of).toList()));
        HeartbeatMonitor monitor = new HeartbeatMonitor(heartbeat, probe, replicas::monitored, replicas, metrics.membership());
        LoadBalancer lb = new LoadBalancer(runtime, replicas, monitor, heartbeatClient, made, metrics, Duration.ofMillis(options.drainTimeoutMs));
        metrics.watch(replicas, made);
        AdminToken adminToken = AdminToken.of(options.adminToken);
        try {
            if (tls.isPresent()) lb.certificates = Optional.of(TlsCertificates.start(tls.get(), Clock.systemUTC(), metrics.registry()));
            lb.accessLog = converted("--access-log", () -> AccessLog.open(options.accessLog, metrics.registry()));
            // request metrics only where they can be read: the management port is their one way out
            List<ProxyEvents> observers = new ArrayList<>();
            if (options.managementPort >= 0) observers.add(metrics.requests());
            lb.accessLog.ifPresent(observers::add);
            log.info("runtime {}, {}, bounded loads {}, heartbeat every {} ms (timeout {} ms, threshold {}), {} standby, {} I/O",
                    replicas.runtimeName(), strategy.describe(), boundedLoad.isPresent() ? boundedLoad.getAsDouble() : "off",
                    options.heartbeatIntervalMs, options.heartbeatTimeoutMs, options.failureThreshold, runtime.isPresent() ? options.standby : 0, transport.describe());
            replicas.start(options.replicas);
            replicas.onExit(monitor::exited);
            monitor.start();
            // the management port first: once the public port answers, /ring, /metrics and /dashboard do too
            if (options.managementPort >= 0) {
                List<ManagementRoutes> routes = new ArrayList<>(List.of(new RingRoutes(replicas::ring, boundedLoad), metrics, new Dashboard(replicas, metrics)));
                lb.certificates.ifPresent(certificates -> routes.add(new TlsRoutes(certificates,
                        () -> lb.server == null ? options.tlsPort : lb.server.tlsPort().orElse(-1), Clock.systemUTC()))); // asked before the port is open: the port asked for
                lb.management = ManagementServer.start(options.managementBind, options.managementPort, routes);
                log.info("management server on {}:{}", options.managementBind, lb.management.port());
            }
            lb.server = LoadBalancerServer.start(new LoadBalancerServer.Listen(options.bind, options.port, transport, options.proxyTimeoutMs,
                            clients, new ProxySettings(options.retryBufferBytes, forwarded,
                                    options.tunnelIdleTimeoutMs, options.attemptDeadlineFloorMs),
                            lb.certificates.map(certificates -> new LoadBalancerServer.TlsListen(options.tlsPort, certificates, new HandshakeMetrics(metrics.registry())))),
                    replicas, adminToken, monitor, made, ProxyEvents.all(observers), ReplicaChooser.of(boundedLoad, made::inFlight));
            log.info("load balancer listening on {}:{} with replicas {}", options.bind, lb.server.port(), replicas.hostnames());
            lb.certificates.ifPresent(certificates -> log.info("TLS on {}:{} (HTTP/2 and HTTP/1.1 by ALPN), provider {}, certificates for {}", options.bind,
                    lb.server.tlsPort().orElseThrow(), certificates.provider().describe(),
                    certificates.current().certificates().stream().map(c -> c.names().toString()).toList()));
            if (!adminToken.required() && !isLoopback(options.bind)) {
                log.warn("/add and /rm are open to anyone who reaches {}:{}: set --admin-token (env LB_ADMIN_TOKEN) "
                        + "or bind to a loopback address", options.bind, lb.server.port());
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

    /** The TLS port's settings when certificates are given; a certificate without its key (or the reverse) is refused. */
    static Optional<TlsSettings> tlsSettings(LoadBalancerOptions options) {
        List<Path> certs = nonBlank(options.tlsCerts);
        List<Path> keys = nonBlank(options.tlsKeys);
        if (certs.size() != keys.size()) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go in pairs: " + certs.size() + " certificates, " + keys.size() + " keys");
        }
        if (certs.isEmpty()) return Optional.empty();
        if (options.tlsPort < 0 || options.tlsPort > 65_535) throw new IllegalArgumentException("--tls-port must be 0..65535");
        if (options.tlsPort == options.port && options.port != 0) throw new IllegalArgumentException("--tls-port must differ from --port");
        TlsProvider provider = converted("--tls-provider", () -> TlsProvider.named(options.tlsProvider));
        Optional<Path> ticketKeys = Optional.ofNullable(options.tlsTicketKeys).filter(path -> !path.toString().isBlank());
        if (ticketKeys.isPresent() && provider != TlsProvider.OPENSSL) {
            throw new IllegalArgumentException("--tls-ticket-keys needs the openssl TLS provider (the JDK's makes and rotates its own keys)");
        }
        List<CertificateFiles> pairs = new ArrayList<>();
        for (int i = 0; i < certs.size(); i++) pairs.add(new CertificateFiles(certs.get(i), keys.get(i)));
        return Optional.of(new TlsSettings(pairs, provider, ticketKeys));
    }

    /** An empty LB_TLS_CERT (as compose passes an unset one) is no file. */
    private static List<Path> nonBlank(List<Path> paths) {
        return paths == null ? List.of() : paths.stream().filter(path -> !path.toString().isBlank()).toList();
    }

    private static String fits(RingStrategy strategy) {
        if (strategy instanceof RingConfig slots) {
            return slots.slots() + " slots with " + slots.virtualServers() + " virtual servers each (at most " + slots.capacity() + ")";
        }
        return "the " + strategy.name() + " strategy (at most " + strategy.capacity() + ")";
    }

    private static boolean isLoopback(String bind) {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The runtime {@code --runtime} names; none for {@code static}, whose servers need none. */
    static Optional<ReplicaRuntime> runtime(LoadBalancerOptions options) {
        String kind = options.runtime.toLowerCase();
        if (kind.equals("auto")) kind = RuntimeDetection.dockerAnswers(options.dockerHost) ? "docker" : "local";
        return switch (kind) {
            case "local" -> {
                List<String> jvmOptions = jvmOptions(options.replicaJvmOpts);
                Map<String, String> env = replicaEnv(options.replicaEnv);
                yield Optional.of(converted("--replica-jar", () -> new LocalProcessRuntime(options.replicaJar, jvmOptions, env)));
            }
            case "static" -> Optional.empty();
            case "docker" -> Optional.of(RuntimeDetection.docker(options));
            case "swarm" -> Optional.of(RuntimeDetection.swarm(options));
            default -> throw new IllegalArgumentException("unknown runtime '" + options.runtime + "'; known: auto, local, docker, swarm, static");
        };
    }

    /** {@code --replica-env}: KEY=VALUE pairs, in order; blank entries (an empty LB_REPLICA_ENV, as compose passes it) are none. */
    static Map<String, String> replicaEnv(List<String> pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String pair : pairs == null ? List.<String>of() : pairs) {
            if (pair.isBlank()) continue;
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--replica-env entry '" + pair + "' is not KEY=VALUE");
            env.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
        }
        return env;
    }

    private static List<String> jvmOptions(String line) {
        return line == null || line.isBlank() ? List.of() : Arrays.asList(line.trim().split("\\s+"));
    }

    public int port() {
        return server.port();
    }

    /** The TLS port; empty without certificates. */
    public java.util.OptionalInt tlsPort() {
        return server.tlsPort();
    }

    /** Reads the certificate files again now (SIGHUP); they are also watched. */
    public void reloadCertificates() {
        certificates.ifPresent(TlsCertificates::reload);
    }

    /** The management server's port; empty when it is turned off. */
    public java.util.OptionalInt managementPort() {
        return management == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(management.port());
    }

    /** Attempts in flight to all replicas now. */
    public int inFlight() {
        return made.inFlight();
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
        accessLog.ifPresent(AccessLog::close);
        certificates.ifPresent(TlsCertificates::close);
        metrics.close();
        try {
            heartbeatClient.stop();
        } catch (Exception e) {
            log.warn("stopping the heartbeat client: {}", e.getMessage());
        }
        log.info("load balancer stopped; all replicas it started are gone");
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

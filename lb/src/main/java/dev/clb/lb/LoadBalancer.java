package dev.clb.lb;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.Probing;
import dev.clb.hashmap.RingConfig;
import dev.clb.lb.core.AdminException;
import dev.clb.lb.core.Backend;
import dev.clb.lb.core.InFlight;
import dev.clb.lb.core.ReplicaManager;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.http.LoadBalancerServer;
import dev.clb.lb.http.ProxyEvents;
import dev.clb.lb.management.ManagementServer;
import dev.clb.lb.runtime.LocalProcessRuntime;
import dev.clb.lb.runtime.ReplicaRuntime;
import dev.clb.lb.runtime.StaticRuntime;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.client.HttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running load balancer: runtime, replica manager, heartbeat monitor and HTTP server, started and stopped together. */
public final class LoadBalancer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LoadBalancer.class);

    private final ReplicaRuntime runtime;
    private final ReplicaManager replicas;
    private final HeartbeatMonitor monitor;
    private final HttpClient heartbeatClient;
    private final InFlight inFlight = new InFlight();
    private LoadBalancerServer server;
    private ManagementServer management;

    private LoadBalancer(ReplicaRuntime runtime, ReplicaManager replicas, HeartbeatMonitor monitor, HttpClient heartbeatClient) {
        this.runtime = runtime;
        this.replicas = replicas;
        this.monitor = monitor;
        this.heartbeatClient = heartbeatClient;
    }

    /** Validates {@code options}, starts the replicas, then opens the port: once this returns, the load balancer serves. */
    public static LoadBalancer start(LoadBalancerOptions options) throws Exception {
        RingConfig ring = ringConfig(options);
        if (options.ioThreads < 0) throw new IllegalArgumentException("--io-threads must not be negative");
        if (options.drainTimeoutMs < 0) throw new IllegalArgumentException("--drain-timeout must not be negative");
        if (options.replicas < 0) throw new IllegalArgumentException("--replicas must not be negative");
        if (options.replicas > ring.capacity()) {
            throw new IllegalArgumentException("--replicas " + options.replicas + " does not fit " + ring.slots() + " slots with "
                    + ring.virtualServers() + " virtual servers each (at most " + ring.capacity() + ")");
        }
        HeartbeatMonitor.Settings heartbeat = new HeartbeatMonitor.Settings(Duration.ofMillis(options.heartbeatIntervalMs),
                Duration.ofMillis(options.heartbeatTimeoutMs), options.failureThreshold);
        HttpClient heartbeatClient = new HttpClient();
        heartbeatClient.setUserAgentField(null);
        heartbeatClient.setConnectTimeout(options.heartbeatTimeoutMs);
        heartbeatClient.start();
        ReplicaRuntime runtime = runtime(options);
        ConsistentHashMap<Backend> map = new ConsistentHashMap<>(ring);
        ReplicaManager replicas = new ReplicaManager(map, runtime,
                new ReplicaManager.Settings(Math.max(0, options.standby), Duration.ofMillis(options.spawnTimeoutMs)));
        HeartbeatMonitor monitor = new HeartbeatMonitor(heartbeat, heartbeatClient, replicas::monitored, replicas);
        replicas.attach(monitor);
        LoadBalancer lb = new LoadBalancer(runtime, replicas, monitor, heartbeatClient);
        try {
            log.info("runtime {}, hash {}, probing {}, M = {}, K = {}, heartbeat every {} ms (timeout {} ms, threshold {}), {} standby",
                    runtime.name(), ring.scheme().name(), ring.probing().name().toLowerCase(), ring.slots(), ring.virtualServers(),
                    options.heartbeatIntervalMs, options.heartbeatTimeoutMs, options.failureThreshold, runtime.spawns() ? options.standby : 0);
            replicas.start(options.replicas);
            runtime.onExit(name -> replicas.monitored().stream().filter(b -> b.hostname().equals(name)).findFirst().ifPresent(monitor::exited));
            monitor.start();
            lb.server = LoadBalancerServer.start(new LoadBalancerServer.Listen(options.bind, options.port, options.ioThreads, options.proxyTimeoutMs),
                    replicas, monitor, lb.inFlight, ProxyEvents.all(List.of()));
            log.info("load balancer listening on {}:{} with replicas {}", options.bind, lb.server.port(), replicas.hostnames());
            if (options.managementPort >= 0) {
                lb.management = ManagementServer.start(options.managementBind, options.managementPort, List.of());
                log.info("management server on {}:{}", options.managementBind, lb.management.port());
            }
            return lb;
        } catch (AdminException e) {
            lb.close();
            throw new IllegalStateException(e.getMessage(), e);
        } catch (Exception | Error e) {
            lb.close();
            throw e;
        }
    }

    static RingConfig ringConfig(LoadBalancerOptions options) {
        HashScheme scheme = HashScheme.named(options.hash);
        Probing probing = Probing.named(options.probe);
        if (options.slots < 1) throw new IllegalArgumentException("--slots must be positive");
        return options.vnodes > 0 ? new RingConfig(options.slots, options.vnodes, scheme, probing) : RingConfig.of(options.slots, scheme, probing);
    }

    static ReplicaRuntime runtime(LoadBalancerOptions options) {
        String kind = options.runtime.toLowerCase();
        if (kind.equals("auto")) kind = RuntimeDetection.dockerAnswers(options.dockerHost) ? "docker" : "local";
        return switch (kind) {
            case "local" -> new LocalProcessRuntime(options.replicaJar, jvmOptions(options.replicaJvmOpts), replicaEnv(options.replicaEnv));
            case "static" -> new StaticRuntime(options.backends == null ? List.of() : options.backends);
            case "docker" -> RuntimeDetection.docker(options);
            case "swarm" -> RuntimeDetection.swarm(options);
            default -> throw new IllegalArgumentException("unknown runtime '" + options.runtime + "'; known: auto, local, docker, swarm, static");
        };
    }

    /** {@code --replica-env}: KEY=VALUE pairs, in order. */
    static Map<String, String> replicaEnv(List<String> pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String pair : pairs == null ? List.<String>of() : pairs) {
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

    /** The management server's port; empty when it is turned off. */
    public java.util.OptionalInt managementPort() {
        return management == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(management.port());
    }

    public InFlight inFlight() {
        return inFlight;
    }

    public ReplicaManager replicas() {
        return replicas;
    }

    public ReplicaRuntime runtime() {
        return runtime;
    }

    @Override
    public void close() {
        monitor.close();
        if (management != null) management.close();
        if (server != null) server.close();
        replicas.close();
        try {
            heartbeatClient.stop();
        } catch (Exception e) {
            log.warn("stopping the heartbeat client: {}", e.getMessage());
        }
        log.info("load balancer stopped; all replicas it started are gone");
    }
}

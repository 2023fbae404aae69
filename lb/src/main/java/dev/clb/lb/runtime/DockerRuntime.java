package dev.clb.lb.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.clb.lb.backend.Backend;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicas as Docker containers, created through docker-java from the replica image: named by hostname (after an
 * optional prefix, so that several load balancers can share an engine), on the replica network with the hostname
 * as alias, {@code SERVER_ID} set. The load balancer reaches them by name, so
 * it runs on that network itself (in its own container).
 *
 * <p>The load balancer's state lives in the engine: every container carries the labels of {@link ReplicaLabels}
 * (owner, hostname, and the place in the map it started with). Container labels cannot change, so when a standby
 * takes a failed replica's place that place is recorded in a volume labelled like a container,
 * {@code clb-place.<owner>.<hostname>}, which holds no data and goes with its replica. A successor with the same
 * owner adopts the running containers ({@link #existing}) and removes the exited ones. On close it removes its
 * containers, unless {@link EngineSettings#keepReplicas()} leaves them to the next load balancer.
 */
public final class DockerRuntime implements ReplicaRuntime {
    private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);
    public static final String OWNER_LABEL = ReplicaLabels.OWNER;
    private static final int REPLICA_PORT = 5000;

    private final DockerClient docker;
    private final String image;
    private final String network;
    private final String owner;
    private final String namePrefix;
    private final Map<String, String> environment;
    private final boolean keepReplicas;
    private final boolean addressByIp;
    private final Map<String, String> containers = new ConcurrentHashMap<>();
    private final List<Consumer<String>> exitListeners = new CopyOnWriteArrayList<>();
    private final Closeable events;

    public DockerRuntime(EngineSettings settings) {
        this.image = settings.image();
        this.network = settings.network();
        this.owner = settings.owner();
        this.namePrefix = settings.namePrefix();
        this.environment = settings.environment();
        this.keepReplicas = settings.keepReplicas();
        this.addressByIp = settings.addressByIp();
        this.docker = connect(settings);
        ensureNetwork();
        this.events = docker.eventsCmd().withEventTypeFilter("container").withEventFilter("die")
                .withLabelFilter(Map.of(OWNER_LABEL, owner))
                .exec(new ResultCallback.Adapter<Event>() {
                    @Override
                    public void onNext(Event event) {
                        String name = event.getActor() == null ? null : hostname(event.getActor().getAttributes().get("name"));
                        if (name != null && containers.containsKey(name)) exitListeners.forEach(l -> l.accept(name));
                    }
                });
    }

    static DockerClient client(String dockerHost) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).maxConnections(32)
                .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofSeconds(60)).build();
        return DockerClientImpl.getInstance(config, http);
    }

    /** A client of the engine in {@code settings} that answers and holds the replica image; else IllegalArgumentException. */
    static DockerClient connect(EngineSettings settings) {
        DockerClient docker = client(settings.dockerHost());
        try {
            docker.pingCmd().exec();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the Docker engine at " + settings.dockerHost() + " does not answer: " + e.getMessage());
        }
        try {
            docker.inspectImageCmd(settings.image()).exec();
        } catch (NotFoundException e) {
            throw new IllegalArgumentException("replica image '" + settings.image() + "' not found: build it first ('make up' or 'docker compose build')");
        }
        return docker;
    }

    /** Whether an engine answers at {@code dockerHost}, for {@code --runtime auto}. */
    public static boolean answers(String dockerHost) {
        if (dockerHost.startsWith("unix://") && !new java.io.File(dockerHost.substring("unix://".length())).exists()) return false;
        try (DockerClient probe = client(dockerHost)) {
            probe.pingCmd().exec();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private void ensureNetwork() {
        boolean exists = docker.listNetworksCmd().withNameFilter(network).exec().stream().anyMatch(n -> n.getName().equals(network));
        if (!exists) {
            docker.createNetworkCmd().withName(network).withDriver("bridge").withLabels(Map.of(OWNER_LABEL, owner)).exec();
            log.info("created Docker network {}", network);
        }
    }

    @Override
    public List<Found> existing() {
        Map<String, Place> recorded = new HashMap<>();
        docker.listVolumesCmd().withFilter("label", List.of(OWNER_LABEL + "=" + owner)).exec().getVolumes().forEach(v -> {
            String hostname = v.getLabels().get(ReplicaLabels.HOSTNAME);
            ReplicaLabels.place(v.getLabels()).ifPresent(place -> recorded.put(hostname, place));
        });
        List<Found> found = new ArrayList<>();
        List<String> exited = new ArrayList<>();
        for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(OWNER_LABEL, owner)).exec()) {
            String hostname = Optional.ofNullable(c.getLabels().get(ReplicaLabels.HOSTNAME)).orElseGet(() -> hostname(c.getNames()[0]));
            if (!"running".equals(c.getState()) || hostname == null) {
                docker.removeContainerCmd(c.getId()).withForce(true).exec();
                exited.add(String.join(",", c.getNames()));
                continue;
            }
            containers.put(hostname, c.getId());
            Optional<Place> place = Optional.ofNullable(recorded.remove(hostname)).or(() -> ReplicaLabels.place(c.getLabels()));
            found.add(new Found(new Backend(hostname, address(c.getId(), hostname), REPLICA_PORT), place));
        }
        recorded.keySet().forEach(this::removePlaceRecord);
        if (!exited.isEmpty()) log.warn("removed {} exited replica containers of '{}': {}", exited.size(), owner, exited);
        return found;
    }

    @Override
    public void placed(String hostname, Place place) {
        Map<String, String> labels = new HashMap<>(ReplicaLabels.of(owner, hostname, Optional.of(place)));
        try {
            removePlaceRecord(hostname);
            docker.createVolumeCmd().withName(placeRecord(hostname)).withLabels(labels).exec();
        } catch (RuntimeException e) {
            log.warn("could not record ring id {} of {} in the engine: {}", place.ringId(), hostname, e.getMessage());
        }
    }

    private String placeRecord(String hostname) {
        return "clb-place." + owner + "." + hostname;
    }

    private void removePlaceRecord(String hostname) {
        try {
            docker.removeVolumeCmd(placeRecord(hostname)).exec();
        } catch (NotFoundException e) {
            // none: the replica holds the place it started with
        } catch (RuntimeException e) {
            log.warn("could not remove the place record of {}: {}", hostname, e.getMessage());
        }
    }

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public Backend start(String hostname, Optional<Place> place) throws SpawnException {
        try {
            String id = docker.createContainerCmd(image).withName(namePrefix + hostname).withHostName(hostname)
                    .withEnv(replicaEnv(environment, hostname, REPLICA_PORT))
                    .withLabels(ReplicaLabels.of(owner, hostname, place))
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode(network).withInit(true))
                    .withAliases(hostname)
                    .exec().getId();
            containers.put(hostname, id);
            docker.startContainerCmd(id).exec();
            return new Backend(hostname, address(id, hostname), REPLICA_PORT);
        } catch (RuntimeException e) {
            stop(hostname, true);
            throw new SpawnException("cannot start container '" + hostname + "': " + e.getMessage(), e);
        }
    }

    /** Where the load balancer reaches a replica: by its hostname on the network, or by its address there. */
    private String address(String containerId, String hostname) {
        if (!addressByIp) return hostname;
        var networks = docker.inspectContainerCmd(containerId).exec().getNetworkSettings().getNetworks();
        var attached = networks == null ? null : networks.get(network);
        if (attached == null || attached.getIpAddress() == null || attached.getIpAddress().isEmpty()) {
            throw new IllegalStateException("container '" + hostname + "' has no address on network " + network);
        }
        return attached.getIpAddress();
    }

    /** A replica container's environment: the --replica-env pairs, then its {@code SERVER_ID} and port. */
    static List<String> replicaEnv(Map<String, String> environment, String hostname, int port) {
        List<String> env = new ArrayList<>();
        environment.forEach((key, value) -> env.add(key + "=" + value));
        env.add("SERVER_ID=" + hostname);
        env.add("PORT=" + port);
        return env;
    }

    @Override
    public void stop(String hostname, boolean force) {
        String id = containers.remove(hostname);
        if (id == null) return;
        try {
            if (!force) docker.stopContainerCmd(id).withTimeout(2).exec();
        } catch (RuntimeException e) {
            log.debug("stopping {}: {}", hostname, e.getMessage());
        }
        try {
            docker.removeContainerCmd(id).withForce(true).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (RuntimeException e) {
            log.warn("could not remove container {}: {}", hostname, e.getMessage());
        }
        removePlaceRecord(hostname);
    }

    @Override
    public Set<String> running() {
        return docker.listContainersCmd().withLabelFilter(Map.of(OWNER_LABEL, owner)).exec().stream()
                .flatMap(c -> java.util.Arrays.stream(c.getNames())).map(this::hostname)
                .filter(containers::containsKey).collect(Collectors.toSet());
    }

    /** The replica hostname a container name (as the engine gives it, maybe with a leading '/') stands for, or null. */
    private String hostname(String containerName) {
        if (containerName == null) return null;
        String name = containerName.startsWith("/") ? containerName.substring(1) : containerName;
        return name.startsWith(namePrefix) ? name.substring(namePrefix.length()) : null;
    }

    @Override
    public void onExit(Consumer<String> listener) {
        exitListeners.add(listener);
    }

    @Override
    public void close() {
        exitListeners.clear();
        try {
            events.close();
        } catch (Exception e) {
            log.debug("closing the event stream: {}", e.getMessage());
        }
        if (keepReplicas) {
            log.info("leaving {} replica containers running for the next load balancer '{}' to adopt", containers.size(), owner);
        } else {
            List<String> removed = List.copyOf(containers.keySet());
            removed.parallelStream().forEach(name -> stop(name, true));
            log.info("removed the {} replica containers of '{}'", removed.size(), owner);
        }
        try {
            docker.close();
        } catch (Exception e) {
            log.debug("closing the Docker client: {}", e.getMessage());
        }
    }
}

package dev.clb.lb.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.EndpointResolutionMode;
import com.github.dockerjava.api.model.EndpointSpec;
import com.github.dockerjava.api.model.LocalNodeState;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import com.github.dockerjava.api.model.ServiceRestartPolicy;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.SwarmInfo;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeAvailability;
import com.github.dockerjava.api.model.SwarmNodeState;
import com.github.dockerjava.api.model.Task;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.TaskState;
import dev.clb.lb.backend.Backend;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicas as Docker Swarm services of one task each, created through the manager this load balancer talks to:
 * named by hostname after the prefix, with {@code SERVER_ID} set, on an attachable overlay network where the
 * hostname is an alias. Endpoint mode dnsrr, because service virtual IPs need IPVS, which not every host routes;
 * restart policy none, because the load balancer owns the lifecycle (a failed replica is replaced by a new one
 * with a random hostname, not restarted under its old name); a spread preference over node ids. A warm standby is
 * pinned to the node chosen by {@link SpreadPlacement#standbyNode}: where the failure of any one node leaves the
 * standbys elsewhere to replace its serving replicas at once.
 *
 * <p>The load balancer's state lives in the engine: services and their containers carry the labels of
 * {@link ReplicaLabels}; a standby that takes a failed replica's place gets it in its service's labels (which change
 * without restarting the task). A successor with the same owner adopts the services whose task runs
 * ({@link #existing}) and removes the others. On close it removes its services, unless
 * {@link EngineSettings#keepReplicas()} leaves them to the next load balancer.
 *
 * <p>Task states are polled every {@code POLL} (the engine sends no events for tasks): a task that ends reports its
 * replica as exited. A node on which a task ended, or whose replica the load balancer had to stop while its task
 * still ran (it stopped answering heartbeats), is avoided for new replicas for {@code SUSPECT_FOR} while another
 * node is ready: a node whose engine died still counts as ready in the manager for a few seconds.
 */
public final class SwarmRuntime implements ReplicaRuntime {
    private static final Logger log = LoggerFactory.getLogger(SwarmRuntime.class);
    private static final int REPLICA_PORT = 5000;
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration SUSPECT_FOR = Duration.ofSeconds(15);
    private static final long STOP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final Set<TaskState> ENDED = EnumSet.of(TaskState.COMPLETE, TaskState.SHUTDOWN, TaskState.FAILED,
            TaskState.REJECTED, TaskState.REMOVE, TaskState.ORPHANED);

    private record TaskView(TaskState state, String nodeId) {
    }

    private final DockerClient docker;
    private final EngineSettings settings;
    /** The node whose engine this load balancer talks to: when it fails, the load balancer loses the swarm with it. */
    private final String managerNode;
    /** Hostname to service id, for every replica service this runtime started. */
    private final Map<String, String> services = new ConcurrentHashMap<>();
    /** Hostname to the state of its task, as the last poll saw it; a standby's holds its node from its start. */
    private final Map<String, TaskView> tasks = new ConcurrentHashMap<>();
    /** Hostnames of the services that hold no place in the map: the standbys. */
    private final Set<String> standbys = ConcurrentHashMap.newKeySet();
    private final Set<String> reportedExited = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> suspectNodes = new ConcurrentHashMap<>();
    private final List<Consumer<String>> exitListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "swarm-tasks");
        t.setDaemon(true);
        return t;
    });

    public SwarmRuntime(EngineSettings settings) {
        this.settings = settings;
        this.docker = DockerRuntime.connect(settings);
        SwarmInfo swarm = docker.infoCmd().exec().getSwarm();
        if (swarm == null || swarm.getLocalNodeState() != LocalNodeState.ACTIVE) {
            close();
            throw new IllegalArgumentException("the engine at " + settings.dockerHost()
                    + " is not in a swarm: run 'docker swarm init' (or scripts/swarm-local.sh up for two nodes on this machine)");
        }
        if (!Boolean.TRUE.equals(swarm.getControlAvailable())) {
            close();
            throw new IllegalArgumentException("the engine at " + settings.dockerHost()
                    + " is a swarm worker: the swarm runtime must talk to a manager to create services");
        }
        managerNode = swarm.getNodeID();
        ensureNetwork();
        poller.scheduleWithFixedDelay(this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void ensureNetwork() {
        String network = settings.network();
        List<Network> found = docker.listNetworksCmd().withNameFilter(network).exec().stream()
                .filter(n -> n.getName().equals(network)).toList();
        if (found.isEmpty()) {
            docker.createNetworkCmd().withName(network).withDriver("overlay").withAttachable(true)
                    .withLabels(Map.of(ReplicaLabels.OWNER, settings.owner())).exec();
            log.info("created attachable overlay network {}", network);
        } else if (!"overlay".equals(found.get(0).getDriver())) {
            close();
            throw new IllegalArgumentException("network '" + network + "' is a " + found.get(0).getDriver()
                    + " network: the swarm runtime needs an attachable overlay network");
        }
    }

    @Override
    public String name() {
        return "swarm";
    }

    @Override
    public Backend start(String hostname, Optional<Place> place) throws SpawnException {
        Map<String, String> labels = ReplicaLabels.of(settings.owner(), hostname, place);
        if (place.isEmpty()) standbys.add(hostname);
        ServiceSpec spec = new ServiceSpec().withName(settings.namePrefix() + hostname).withLabels(labels)
                .withTaskTemplate(new TaskSpec()
                        .withContainerSpec(new ContainerSpec().withImage(settings.image()).withHostname(hostname)
                                .withEnv(DockerRuntime.replicaEnv(settings.environment(), hostname, REPLICA_PORT))
                                .withLabels(labels).withInit(true).withStopGracePeriod(STOP_GRACE_NANOS))
                        .withRestartPolicy(new ServiceRestartPolicy().withCondition(ServiceRestartCondition.NONE))
                        .withPlacement(placement(hostname, place.isEmpty()))
                        .withNetworks(List.of(new NetworkAttachmentConfig().withTarget(settings.network()).withAliases(List.of(hostname)))))
                .withMode(new ServiceModeConfig().withReplicated(new ServiceReplicatedModeOptions().withReplicas(1)))
                .withEndpointSpec(new EndpointSpec().withMode(EndpointResolutionMode.DNSRR));
        try {
            services.put(hostname, docker.createServiceCmd(spec).exec().getId());
            return new Backend(hostname, hostname, REPLICA_PORT);
        } catch (RuntimeException e) {
            stop(hostname, true);
            throw new SpawnException("cannot create service '" + settings.namePrefix() + hostname + "': " + e.getMessage(), e);
        }
    }

    /**
     * Spread over node ids, away from suspect or unavailable nodes while any other node is ready; a standby on the
     * one node {@link SpreadPlacement#standbyNode} picks of those, recorded at once so that the next standby, started
     * before this one's task is scheduled, counts it. Synchronized: standbys are started in parallel.
     */
    private synchronized ServicePlacement placement(String hostname, boolean standby) {
        Instant now = Instant.now();
        suspectNodes.values().removeIf(until -> until.isBefore(now));
        List<SwarmNode> nodes = docker.listSwarmNodesCmd().exec();
        List<String> ready = new ArrayList<>();
        List<String> avoid = new ArrayList<>();
        for (SwarmNode node : nodes) {
            boolean usable = node.getStatus() != null && node.getStatus().getState() == SwarmNodeState.READY
                    && node.getSpec() != null && node.getSpec().getAvailability() == SwarmNodeAvailability.ACTIVE;
            if (usable) ready.add(node.getId());
            // a task that ended on the manager is a container's death, not the node's: the manager's engine answers this
            // call; a standby that avoided it went to a node whose failure it could then no longer cover
            boolean suspect = suspectNodes.containsKey(node.getId()) && !(standby && node.getId().equals(managerNode));
            if (!usable || suspect) avoid.add(node.getId());
        }
        ServicePlacement placement = new SpreadPlacement();
        if (standby) {
            Map<String, Integer> serving = new HashMap<>();
            Map<String, Integer> standing = new HashMap<>();
            tasks.forEach((name, view) -> {
                if (view.nodeId() != null && !ENDED.contains(view.state())) {
                    (standbys.contains(name) ? standing : serving).merge(view.nodeId(), 1, Integer::sum);
                }
            });
            // the manager's failure ends replacements anyway: standbys cover the failures of the other nodes
            serving.remove(managerNode);
            List<String> candidates = ready.stream().filter(id -> !avoid.contains(id)).toList();
            Optional<String> node = SpreadPlacement.standbyNode(candidates.isEmpty() ? ready : candidates, serving, standing);
            if (node.isPresent()) {
                tasks.put(hostname, new TaskView(TaskState.NEW, node.get()));
                log.info("standby {} goes to node {} (serving replicas by node, the manager's not counted: {}; standbys: {})",
                        hostname, node.get(), serving, standing);
                return placement.withConstraints(List.of("node.id==" + node.get()));
            }
        }
        return avoid.size() < nodes.size() ? placement.withConstraints(avoid.stream().map(id -> "node.id!=" + id).toList()) : placement;
    }

    private void suspect(String nodeId) {
        if (nodeId != null) suspectNodes.put(nodeId, Instant.now().plus(SUSPECT_FOR));
    }

    private void poll() {
        try {
            if (services.isEmpty()) return;
            Map<String, String> hostnameOf = new HashMap<>();
            services.forEach((hostname, id) -> hostnameOf.put(id, hostname));
            for (Task task : docker.listTasksCmd().withServiceFilter(hostnameOf.keySet().toArray(String[]::new)).exec()) {
                String hostname = hostnameOf.get(task.getServiceId());
                if (hostname == null || task.getStatus() == null) continue;
                TaskView view = new TaskView(task.getStatus().getState(), task.getNodeId());
                // a task not yet scheduled has no node: a standby keeps the one it is pinned to
                tasks.merge(hostname, view, (was, now) -> now.nodeId() == null ? new TaskView(now.state(), was.nodeId()) : now);
                if (ENDED.contains(view.state()) && services.containsKey(hostname) && reportedExited.add(hostname)) {
                    suspect(view.nodeId());
                    log.info("task of replica {} on node {} ended: {} {}", hostname, view.nodeId(), view.state(), task.getStatus().getErr());
                    exitListeners.forEach(l -> l.accept(hostname));
                }
            }
        } catch (RuntimeException e) {
            log.debug("polling tasks: {}", e.getMessage());
        }
    }

    @Override
    public List<Found> existing() {
        List<Service> owned = docker.listServicesCmd().withLabelFilter(Map.of(ReplicaLabels.OWNER, settings.owner())).exec();
        if (owned.isEmpty()) return List.of();
        Map<String, List<Task>> tasksOf = docker.listTasksCmd().withServiceFilter(owned.stream().map(Service::getId).toArray(String[]::new))
                .exec().stream().collect(Collectors.groupingBy(Task::getServiceId));
        List<Found> found = new ArrayList<>();
        List<String> ended = new ArrayList<>();
        for (Service service : owned) {
            Map<String, String> labels = service.getSpec().getLabels();
            String hostname = labels.get(ReplicaLabels.HOSTNAME);
            boolean live = tasksOf.getOrDefault(service.getId(), List.of()).stream()
                    .anyMatch(t -> t.getStatus() != null && !ENDED.contains(t.getStatus().getState()));
            if (!live || hostname == null) {
                removeService(service.getId(), service.getSpec().getName());
                ended.add(service.getSpec().getName());
                continue;
            }
            services.put(hostname, service.getId());
            Optional<Place> place = ReplicaLabels.place(labels);
            if (place.isEmpty()) standbys.add(hostname);
            found.add(new Found(new Backend(hostname, hostname, REPLICA_PORT), place));
        }
        if (!ended.isEmpty()) log.warn("removed {} replica services of '{}' whose task had ended: {}", ended.size(), settings.owner(), ended);
        return found;
    }

    @Override
    public void placed(String hostname, Place place) {
        String id = services.get(hostname);
        if (id == null) return;
        standbys.remove(hostname);
        try {
            Service service = docker.inspectServiceCmd(id).exec();
            ServiceSpec spec = service.getSpec();
            Map<String, String> labels = new HashMap<>(spec.getLabels());
            labels.remove(ReplicaLabels.PLACEMENT); // a place by ring id alone has none: no stale slots may stay
            labels.putAll(ReplicaLabels.of(place));
            docker.updateServiceCmd(id, spec.withLabels(labels)).withVersion(service.getVersion().getIndex()).exec();
        } catch (RuntimeException e) {
            log.warn("could not record ring id {} of {} in its service: {}", place.ringId(), hostname, e.getMessage());
        }
    }

    @Override
    public void stop(String hostname, boolean force) {
        String id = services.remove(hostname);
        reportedExited.remove(hostname);
        standbys.remove(hostname);
        TaskView last = tasks.remove(hostname);
        if (id == null) return;
        if (force && last != null && last.state() == TaskState.RUNNING) suspect(last.nodeId());
        removeService(id, hostname);
    }

    private void removeService(String id, String name) {
        try {
            docker.removeServiceCmd(id).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (RuntimeException e) {
            log.warn("could not remove the service of replica {}: {}", name, e.getMessage());
        }
    }

    @Override
    public Set<String> running() {
        return services.keySet().stream().filter(hostname -> {
            TaskView view = tasks.get(hostname);
            return view == null || !ENDED.contains(view.state());
        }).collect(Collectors.toSet());
    }

    @Override
    public void onExit(Consumer<String> listener) {
        exitListeners.add(listener);
    }

    @Override
    public void close() {
        exitListeners.clear();
        poller.shutdownNow();
        if (settings.keepReplicas()) {
            log.info("leaving {} replica services running for the next load balancer '{}' to adopt", services.size(), settings.owner());
        } else {
            List.copyOf(services.keySet()).parallelStream().forEach(name -> stop(name, true));
        }
        try {
            docker.close();
        } catch (Exception e) {
            log.debug("closing the Docker client: {}", e.getMessage());
        }
    }
}

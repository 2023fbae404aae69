package dev.clb.analyzer.deploy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The replica containers of one load balancer, found the way it marks them: the label {@code dev.clb.owner=OWNER} and
 * the replica's hostname as container hostname and network alias. The container's name may carry a stack's prefix
 * ({@code murmur-server-1}), so it is never guessed. It asks the engine's API (as the load balancer does), not the
 * docker CLI, whose inspect templates differ between engine versions: {@code {{join .Aliases " "}}} failed on the
 * Debian 20.10 engine that CI installs, and A-3 skipped its kill.
 */
final class DockerReplicas {
    static final String OWNER_LABEL = "dev.clb.owner";

    /** A running container: its id and the names it answers to (its hostname and its aliases on every network). */
    record Container(String id, List<String> names) {
    }

    private final String owner;

    DockerReplicas(String owner) {
        this.owner = owner;
    }

    /** Kills the running container of {@code owner} whose hostname or alias is {@code hostname}. */
    void kill(String hostname) throws IOException {
        try (DockerClient docker = client()) {
            List<Container> running = new ArrayList<>();
            for (com.github.dockerjava.api.model.Container c : docker.listContainersCmd().withLabelFilter(Map.of(OWNER_LABEL, owner)).exec()) {
                running.add(names(docker.inspectContainerCmd(c.getId()).exec()));
            }
            if (running.isEmpty()) throw new IOException("no running container carries the label " + OWNER_LABEL + "=" + owner + " (is --owner right?)");
            String id = containerFor(hostname, running).orElseThrow(() -> new IOException("none of the " + running.size() + " containers labelled "
                    + OWNER_LABEL + "=" + owner + " has the hostname or alias " + hostname));
            docker.killContainerCmd(id).exec();
        } catch (RuntimeException e) {
            throw new IOException("the Docker engine refused: " + e.getMessage(), e);
        }
    }

    private static Container names(InspectContainerResponse inspect) {
        List<String> names = new ArrayList<>();
        if (inspect.getConfig() != null && inspect.getConfig().getHostName() != null) names.add(inspect.getConfig().getHostName());
        if (inspect.getNetworkSettings() != null && inspect.getNetworkSettings().getNetworks() != null) {
            for (ContainerNetwork network : inspect.getNetworkSettings().getNetworks().values()) {
                if (network.getAliases() != null) names.addAll(network.getAliases());
            }
        }
        return new Container(inspect.getId(), names);
    }

    /** The first container whose hostname or one of whose aliases is {@code hostname}. */
    static Optional<String> containerFor(String hostname, List<Container> containers) {
        return containers.stream().filter(c -> c.names().contains(hostname)).map(Container::id).findFirst();
    }

    /** The engine {@code DOCKER_HOST} names, else the local socket. */
    private static DockerClient client() {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofSeconds(30)).build());
    }
}

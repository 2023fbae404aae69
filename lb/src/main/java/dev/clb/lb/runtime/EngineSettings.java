package dev.clb.lb.runtime;

import java.util.Map;

/**
 * What the docker and swarm runtimes share: the engine to talk to, the replica image and network, and how this
 * load balancer names and marks its replicas ({@code namePrefix} before each hostname, {@code owner} in the
 * {@value DockerRuntime#OWNER_LABEL} label), the environment every replica gets, and whether the replicas outlive
 * the load balancer's close, for the next one with the same owner to adopt ({@code keepReplicas}), and whether a
 * replica is reached by its address on the network rather than by its hostname ({@code addressByIp}: for a load
 * balancer outside the network, on the host, which cannot resolve the replicas' names; docker runtime only).
 */
public record EngineSettings(String dockerHost, String image, String network, String owner, String namePrefix,
                             Map<String, String> environment, boolean keepReplicas, boolean addressByIp) {
    public EngineSettings {
        namePrefix = namePrefix == null ? "" : namePrefix;
        environment = Map.copyOf(environment);
    }
}

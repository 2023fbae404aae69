package dev.clb.lb;

import dev.clb.lb.runtime.DockerRuntime;
import dev.clb.lb.runtime.EngineSettings;
import dev.clb.lb.runtime.ReplicaRuntime;
import dev.clb.lb.runtime.SwarmRuntime;

/** Chooses the runtime for {@code --runtime auto}, and builds the Docker and swarm ones. */
final class RuntimeDetection {
    private RuntimeDetection() {
    }

    static boolean dockerAnswers(String dockerHost) {
        return DockerRuntime.answers(dockerHost);
    }

    static ReplicaRuntime docker(LoadBalancerOptions options) {
        return new DockerRuntime(engineSettings(options));
    }

    static ReplicaRuntime swarm(LoadBalancerOptions options) {
        return new SwarmRuntime(engineSettings(options));
    }

    private static EngineSettings engineSettings(LoadBalancerOptions options) {
        return new EngineSettings(options.dockerHost, options.image, options.network, options.owner, options.containerPrefix,
                LoadBalancer.replicaEnv(options.replicaEnv), options.keepReplicas);
    }
}

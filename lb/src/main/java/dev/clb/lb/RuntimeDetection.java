package dev.clb.lb;

import dev.clb.lb.runtime.DockerRuntime;
import dev.clb.lb.runtime.ReplicaRuntime;

/** Chooses the runtime for {@code --runtime auto}, and builds the Docker one. */
final class RuntimeDetection {
    private RuntimeDetection() {
    }

    static boolean dockerAnswers(String dockerHost) {
        return DockerRuntime.answers(dockerHost);
    }

    static ReplicaRuntime docker(LoadBalancerOptions options) {
        return new DockerRuntime(options.dockerHost, options.image, options.network, options.owner, options.containerPrefix,
                LoadBalancer.replicaEnv(options.replicaEnv));
    }
}

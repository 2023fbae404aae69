package dev.clb.lb;

import dev.clb.lb.runtime.ReplicaRuntime;

/** Chooses the runtime for {@code --runtime auto}, and builds the Docker one. */
final class RuntimeDetection {
    private RuntimeDetection() {
    }

    static boolean dockerAnswers(String dockerHost) {
        return false;
    }

    static ReplicaRuntime docker(LoadBalancerOptions options) {
        throw new IllegalArgumentException("the docker runtime is not available in this build");
    }
}

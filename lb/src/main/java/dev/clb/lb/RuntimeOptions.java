package dev.clb.lb;

import dev.clb.lb.config.RuntimeChoice;
import dev.clb.lb.runtime.DockerRuntime;
import dev.clb.lb.runtime.EngineSettings;
import dev.clb.lb.runtime.LocalProcessRuntime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The runtime {@code --runtime} names, with what it needs from the other options; {@code auto} is decided here, once. */
final class RuntimeOptions {
    private RuntimeOptions() {
    }

    static RuntimeChoice runtime(LoadBalancerOptions options) {
        String kind = options.runtime.toLowerCase();
        if (kind.equals("auto")) kind = DockerRuntime.answers(options.dockerHost) ? "docker" : "local";
        return switch (kind) {
            case "local" -> {
                List<String> jvmOptions = jvmOptions(options.replicaJvmOpts);
                Map<String, String> env = replicaEnv(options.replicaEnv);
                yield LoadBalancerOptions.converted("--replica-jar",
                        () -> new RuntimeChoice.Local(new LocalProcessRuntime.Settings(options.replicaJar, jvmOptions, env)));
            }
            case "static" -> new RuntimeChoice.Static();
            case "docker" -> new RuntimeChoice.Docker(engineSettings(options));
            case "swarm" -> new RuntimeChoice.Swarm(engineSettings(options));
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

    private static EngineSettings engineSettings(LoadBalancerOptions options) {
        boolean clustered = options.clusterEtcd != null && options.clusterEtcd.stream().anyMatch(e -> !e.isBlank());
        boolean addressByIp = switch (options.replicaAddress.toLowerCase(java.util.Locale.ROOT)) {
            case "hostname" -> false;
            case "ip" -> true;
            default -> throw new IllegalArgumentException("--replica-address: '" + options.replicaAddress + "' is neither hostname nor ip");
        };
        // in a cluster the replicas are every instance's: the one that stops leaves them to the others
        return new EngineSettings(options.dockerHost, options.image, options.network, options.owner, options.containerPrefix,
                replicaEnv(options.replicaEnv), options.keepReplicas || clustered, addressByIp);
    }
}

package dev.clb.analyzer.settings;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one analyzer invocation does, checked: where the load balancers are (none: start them locally), how much
 * traffic, where the output goes.
 *
 * @param loadBalancers running load balancers by the name of the setup they run; empty means "start our own"
 * @param lbSetup       the setup of the {@code --lb} load balancer, the one A-1..A-3 use in remote mode
 * @param onlySetups    measure only these setups, and merge their results into those already in the output directory;
 *                      empty means every setup, results written afresh
 */
public record Settings(Map<String, Remote> loadBalancers, String lbSetup, int requests, int concurrency, int warmup,
                       Path out, long seed, Path lbJar, Path replicaJar, Set<String> onlySetups) {

    /**
     * A load balancer that runs already (docker compose).
     *
     * @param management its management port, for {@code GET /ring}
     * @param owner      the {@code dev.clb.owner} label of its replica containers ({@code LB_OWNER}), to kill one
     */
    public record Remote(URI url, URI management, String owner) {
    }

    public Settings {
        loadBalancers = Map.copyOf(loadBalancers);
        if (requests < 1) throw new IllegalArgumentException("--requests must be at least 1, got " + requests);
        if (concurrency < 1) throw new IllegalArgumentException("--concurrency must be at least 1, got " + concurrency);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must not be negative, got " + warmup);
        Setup.named(lbSetup);
        loadBalancers.keySet().forEach(Setup::named);
        onlySetups = Set.copyOf(onlySetups);
        onlySetups.forEach(Setup::named);
    }

    /** The settings of the tests and of a plain run: every setup. */
    public Settings(Map<String, Remote> loadBalancers, String lbSetup, int requests, int concurrency, int warmup, Path out, long seed,
                    Path lbJar, Path replicaJar) {
        this(loadBalancers, lbSetup, requests, concurrency, warmup, out, seed, lbJar, replicaJar, Set.of());
    }

    /** Whether this run measures {@code setup}. */
    public boolean measures(Setup setup) {
        return onlySetups.isEmpty() || onlySetups.contains(setup.name());
    }

    /** Drives running load balancers (docker compose) rather than starting local ones. */
    public boolean remote() {
        return !loadBalancers.isEmpty();
    }

    /** The setup of A-1..A-3: the assignment's slots locally, whatever {@code --lb} runs in remote mode. */
    public Setup primarySetup() {
        return remote() ? Setup.named(lbSetup) : Setup.ASSIGNMENT;
    }

    public Optional<Remote> loadBalancerFor(Setup setup) {
        return Optional.ofNullable(loadBalancers.get(setup.name()));
    }
}

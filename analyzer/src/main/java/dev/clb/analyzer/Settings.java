package dev.clb.analyzer;

import dev.clb.hashmap.HashScheme;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What one analyzer invocation does, checked: where the load balancers are (none: start them locally), how much
 * traffic, where the output goes.
 *
 * @param loadBalancers running load balancers by the hash functions they run; empty means "start our own"
 * @param lbHash        hash functions of the {@code --lb} load balancer, the one A-1..A-3 use in remote mode
 */
public record Settings(Map<String, URI> loadBalancers, String lbHash, int requests, int concurrency, int warmup,
                       Path out, long seed, Path lbJar, Path replicaJar) {

    public Settings {
        loadBalancers = Map.copyOf(loadBalancers);
        if (requests < 1) throw new IllegalArgumentException("--requests must be at least 1, got " + requests);
        if (concurrency < 1) throw new IllegalArgumentException("--concurrency must be at least 1, got " + concurrency);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must not be negative, got " + warmup);
        HashScheme.named(lbHash);
        loadBalancers.keySet().forEach(HashScheme::named);
    }

    /** Drives running load balancers (docker compose) rather than starting local ones. */
    public boolean remote() {
        return !loadBalancers.isEmpty();
    }

    /** The hash functions of A-1..A-3: the assignment's locally, whatever {@code --lb} runs in remote mode. */
    public HashScheme primaryHash() {
        return remote() ? HashScheme.named(lbHash) : HashScheme.ASSIGNMENT;
    }

    public Optional<URI> loadBalancerFor(HashScheme hash) {
        return Optional.ofNullable(loadBalancers.get(hash.name()));
    }
}

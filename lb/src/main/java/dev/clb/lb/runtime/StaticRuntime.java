package dev.clb.lb.runtime;

import dev.clb.lb.core.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/** Servers the load balancer fronts but does not own: it health-checks them and never spawns or kills any. */
public final class StaticRuntime implements ReplicaRuntime {
    private final List<Backend> backends;

    public StaticRuntime(List<String> hostPorts) {
        if (hostPorts.isEmpty()) throw new IllegalArgumentException("the static runtime needs --backends host:port,...");
        List<Backend> parsed = new ArrayList<>();
        for (String hostPort : hostPorts) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("backend '" + hostPort + "' is not host:port");
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("backend '" + hostPort + "' has no numeric port");
            }
            parsed.add(new Backend(hostPort, hostPort.substring(0, colon), port));
        }
        this.backends = List.copyOf(parsed);
    }

    @Override
    public String name() {
        return "static";
    }

    @Override
    public boolean spawns() {
        return false;
    }

    /** The backends in the order given, with ring ids 1, 2, ... */
    @Override
    public List<Found> existing() {
        return IntStream.range(0, backends.size())
                .mapToObj(i -> new Found(backends.get(i), Optional.of(new Place(i + 1, 0, Optional.empty())))).toList();
    }

    @Override
    public Backend start(String hostname, Optional<Place> place) throws SpawnException {
        throw new SpawnException("the static runtime cannot start replicas", null);
    }

    @Override
    public void stop(String hostname, boolean force) {
    }

    @Override
    public Set<String> running() {
        return Set.of();
    }

    @Override
    public void close() {
    }
}

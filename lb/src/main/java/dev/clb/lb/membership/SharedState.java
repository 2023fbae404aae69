package dev.clb.lb.membership;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Placement;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the instances of a cluster share: the replicas of the map in the order they joined, each with its address, ring
 * id, weight and slots (so that every instance builds the identical table from it, on the same strategy: {@code strategy}
 * describes it), the standbys the leader keeps, and which instance wrote it. The leader writes it whole after every change; the others install it.
 */
public record SharedState(String leader, String strategy, List<Seated> replicas, List<String> standbys) {
    public SharedState {
        replicas = List.copyOf(replicas);
        standbys = List.copyOf(standbys);
    }

    /** A replica in the map: where it is reached and where it sits ({@code placement}: {@link Placement#encoded()}, or "" when the ring id alone places it). */
    public record Seated(String hostname, String host, int port, int ringId, int weight, String placement) {
        Backend backend() {
            return new Backend(hostname, host, port);
        }
    }

    static SharedState of(String leader, Ring<Replica> ring, List<String> standbys) {
        List<Seated> seated = ring.nodes().stream().map(n -> new Seated(n.name(), n.value().address().host(), n.value().address().port(),
                n.ringId(), n.weight(), ring.placement(n.name()).map(Placement::encoded).orElse(""))).toList();
        return new SharedState(leader, strategy(ring), seated, standbys);
    }

    /** How a state names the strategy of {@code ring}: its description, parameters and all. */
    static String strategy(Ring<?> ring) {
        return ring.strategy().describe().toString();
    }

    /** The nodes of the ring this state describes, in order, with {@code replica} giving each its object. */
    List<Node<Replica>> nodes(Function<Seated, Replica> replica) {
        return replicas.stream().map(s -> new Node<>(s.hostname(), s.ringId(), s.weight(), replica.apply(s))).toList();
    }

    Optional<Placement> placement(String hostname) {
        return replicas.stream().filter(s -> s.hostname().equals(hostname)).findFirst().flatMap(s -> Placement.parse(s.placement()));
    }
}

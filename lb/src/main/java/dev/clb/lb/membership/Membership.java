package dev.clb.lb.membership;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import dev.clb.lb.membership.MembershipException.NoRoom;
import dev.clb.lb.membership.MembershipException.StartFailed;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The set of replicas the load balancer routes to, and every change to it: what the admin API changes, what the
 * heartbeat monitor watches and reports failures to, what the observers show. The consistent hash map is changed by
 * whole-ring swaps, so the request path never waits for a change.
 *
 * <p>{@link ManagedMembership} owns its replicas on a runtime that starts them (local processes, Docker, Swarm) and
 * keeps N alive; {@link StaticMembership} fronts a fixed set of servers it does not own. Which one is chosen once, where
 * the load balancer is put together.
 */
public sealed interface Membership extends HeartbeatMonitor.Listener, AutoCloseable permits ManagedMembership, StaticMembership, ClusterMembership {

    /** Brings up the replicas, {@code replicas} of them where this membership starts any; returns when they serve. */
    void start(int replicas) throws NoRoom, StartFailed;

    /** {@code POST /add}: {@code n} more replicas, the named ones first; returns {@link #hostnames()} after. */
    List<String> add(int n, List<String> hostnames) throws MembershipException;

    /** {@code DELETE /rm}: the named replicas and random others up to {@code n}; returns {@link #hostnames()} after. */
    List<String> remove(int n, List<String> hostnames) throws MembershipException;

    Ring<Replica> ring();

    /** Hostnames in the map, in order of addition (what /rep lists). */
    default List<String> hostnames() {
        return ring().nodes().stream().map(Node::name).toList();
    }

    List<String> standbyHostnames();

    /** What the heartbeat monitor watches: the replicas in the map, then {@link #alsoMonitored()}. */
    default Collection<Replica> monitored() {
        List<Replica> all = new ArrayList<>();
        ring().nodes().forEach(n -> all.add(n.value()));
        all.addAll(alsoMonitored());
        return all;
    }

    /**
     * What the heartbeat monitor watches besides the map: the standbys, or the static backends that are down; the same
     * objects that are (or will be again) in the map.
     */
    Collection<Replica> alsoMonitored();

    /** The runtime's short name, as {@code --runtime} takes it. */
    String runtimeName();

    /** Calls {@code exited} with a monitored replica whose process or container exits by itself, where that can be told. */
    default void onExit(Consumer<Replica> exited) {
    }

    /** The revision of the shared state the ring was installed from; empty outside a cluster. */
    default OptionalLong revision() {
        return OptionalLong.empty();
    }

    /** The id of the instance that leads the cluster, as far as this one knows; empty outside a cluster or while none leads. */
    default Optional<String> leader() {
        return Optional.empty();
    }

    /** Stops taking changes; stops the replicas it owns. */
    @Override
    void close();
}

package dev.clb.lb.runtime;

import dev.clb.hashmap.Placement;
import dev.clb.lb.backend.Backend;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where the replicas the load balancer owns live: local child processes, Docker containers or Swarm services.
 * Starting returns at once with the address; the caller waits for {@code /heartbeat} before using it. (Servers it
 * fronts without owning them need no runtime: see {@code StaticMembership}.)
 */
public interface ReplicaRuntime extends AutoCloseable {

    /** Short name, as {@code --runtime} takes it. */
    String name();

    /**
     * Where a replica stands in the map, kept with it in the engine so that a successor load balancer can adopt it:
     * its ring id, when it joined (epoch milliseconds of the change that added it), and where the map put its virtual
     * servers (the slot map's; empty for strategies that place by ring id alone). Adoption puts each back on its
     * placement, and re-adds replicas in the order of {@code joined}, ring id breaking ties (a batch joins at one
     * instant, in ring id order), which is the order {@code /rep} lists.
     */
    record Place(int ringId, long joined, Optional<Placement> placement) implements Comparable<Place> {
        @Override
        public int compareTo(Place other) {
            return joined != other.joined ? Long.compare(joined, other.joined) : Integer.compare(ringId, other.ringId);
        }
    }

    /** A replica that runs before the load balancer adds any: in the map at {@code place}, or a standby when empty. */
    record Found(Backend backend, Optional<Place> place) {
    }

    /**
     * Replicas that run already: those a predecessor with the same owner left running in the engine. The runtime takes charge of them: {@link #stop} and {@link #running} include them.
     * It removes what of its predecessor's is no longer running.
     */
    default List<Found> existing() {
        return List.of();
    }

    /**
     * Starts a replica whose hostname and {@code SERVER_ID} are {@code hostname}, recording its {@code place} in the
     * map with it (empty for a standby, which gets one when it replaces a failed replica).
     */
    Backend start(String hostname, Optional<Place> place) throws SpawnException;

    /** Records with a running replica, a standby until now, that it holds {@code place}; a no-op where nothing outlives the load balancer. */
    default void placed(String hostname, Place place) {
    }

    /** Stops the replica: gracefully, or at once when {@code force}. Idempotent; unknown names are ignored. */
    void stop(String hostname, boolean force);

    /** Hostnames of the replicas this runtime has running right now. */
    Set<String> running();

    /** Calls {@code listener} with a replica's hostname when it exits by itself, where the runtime can tell. */
    default void onExit(Consumer<String> listener) {
    }

    /** Stops every replica this runtime started, unless it was told to leave them for a successor to adopt. */
    @Override
    void close();

    class SpawnException extends Exception {
        public SpawnException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

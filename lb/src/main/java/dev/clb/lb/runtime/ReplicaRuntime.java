package dev.clb.lb.runtime;

import dev.clb.lb.core.Backend;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where replicas live: local child processes, Docker containers, or servers the load balancer does not own.
 * Starting returns at once with the address; the caller waits for {@code /heartbeat} before using it.
 */
public interface ReplicaRuntime extends AutoCloseable {

    /** Short name, as {@code --runtime} takes it. */
    String name();

    /** Whether this runtime can create and destroy replicas (false for servers it merely fronts). */
    default boolean spawns() {
        return true;
    }

    /** Replicas that exist before the load balancer adds any (the static runtime's backends). */
    default List<Backend> existing() {
        return List.of();
    }

    /** Starts a replica whose hostname and {@code SERVER_ID} are {@code hostname}. */
    Backend start(String hostname) throws SpawnException;

    /** Stops the replica: gracefully, or at once when {@code force}. Idempotent; unknown names are ignored. */
    void stop(String hostname, boolean force);

    /** Hostnames of the replicas this runtime has running right now. */
    Set<String> running();

    /** Calls {@code listener} with a replica's hostname when it exits by itself, where the runtime can tell. */
    default void onExit(Consumer<String> listener) {
    }

    /** Stops every replica this runtime started. */
    @Override
    void close();

    class SpawnException extends Exception {
        public SpawnException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

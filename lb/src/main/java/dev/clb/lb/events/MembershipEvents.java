package dev.clb.lb.events;

import java.util.List;

/**
 * What the replica set tells observers (metrics, the dashboard): failures, replacements, ring swaps and heartbeat
 * timings. Called from the heartbeat monitor and membership, never from the request path; an
 * implementation must still be quick and must not block.
 */
public interface MembershipEvents {

    /** Why a replica was declared failed (OUTLIER: ejected too often in a row); the names are metric label values. */
    enum FailureReason {
        REFUSED, MISSED, EXITED, OUTLIER;

        public String label() {
            return name().toLowerCase();
        }
    }

    /** {@code hostname} (in the ring or a standby) is declared failed. */
    default void failed(String hostname, FailureReason reason) {
    }

    /** {@code replacement} took the failed replica's place on ring id {@code ringId}. */
    default void respawned(String failed, String replacement, int ringId) {
    }

    /** A new ring was installed; {@code hostnames} is its replicas in order. */
    default void ringChanged(List<String> hostnames) {
    }

    /** One monitoring heartbeat finished after {@code durationNanos}; {@code outcome} is alive, refused or missed. */
    default void heartbeat(long durationNanos, String outcome) {
    }

    MembershipEvents NONE = new MembershipEvents() {
    };
}

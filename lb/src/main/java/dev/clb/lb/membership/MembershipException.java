package dev.clb.lb.membership;

/**
 * Why a change to the membership was refused or could not be made. The message says it to the user as it stands;
 * what a caller does with each kind (an HTTP status at the admin API, a retry later for a replacement) is the
 * caller's business, so nothing here speaks HTTP.
 */
public abstract sealed class MembershipException extends Exception {

    private MembershipException(String message) {
        super(message);
    }

    /** The change asked for cannot be made as asked: bad input to add or remove, a hostname in use or unknown. */
    public static final class InvalidChange extends MembershipException {
        public InvalidChange(String message) {
            super(message);
        }
    }

    /** The map has no room for the replicas the change would add. */
    public static final class NoRoom extends MembershipException {
        public NoRoom(String message) {
            super(message);
        }
    }

    /** Replicas the change needed could not be started: nothing of the change is left running. */
    public static final class StartFailed extends MembershipException {
        public StartFailed(String message) {
            super(message);
        }
    }

    /**
     * The change cannot be made now, though it may be later: in a cluster, the shared store (etcd) is unreachable or
     * has lost its quorum, or no instance leads.
     */
    public static final class Unavailable extends MembershipException {
        public Unavailable(String message) {
            super(message);
        }
    }
}

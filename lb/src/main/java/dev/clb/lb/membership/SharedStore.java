package dev.clb.lb.membership;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the instances of a cluster keep their {@link SharedState} and elect the one that changes it (etcd: see
 * {@code dev.clb.lb.cluster.EtcdStore}). Every write is fenced: it succeeds only while the writer still leads.
 */
public interface SharedStore extends AutoCloseable {

    /** The state as stored, and the store's revision of that write. */
    record Stored(long revision, SharedState state) {
    }

    /** An instance of the cluster: its id and the address of its public port, where {@code /add} and {@code /rm} reach it. */
    record Instance(String id, String address) {
    }

    /** What became of a write. */
    sealed interface Written {
        record Done(long revision) implements Written {
        }

        /** Another instance leads now: nothing was written. */
        record NotLeader() implements Written {
        }

        /** The store did not answer, or has no quorum: nothing was written. */
        record Unreachable(String reason) implements Written {
        }
    }

    /**
     * What this instance does when it comes to lead, and when it stops leading (its lease lost, the store unreachable
     * for longer, or a write refused by the fence). {@code term} tells one lead from the next: a deposition is of the
     * term it names only. Called in order, on one thread.
     */
    interface Leadership {
        void elected(long term);

        void deposed(long term);
    }

    /** This instance's id. */
    String self();

    /** The state last stored; empty when none ever was. */
    Optional<Stored> current() throws MembershipException.Unavailable;

    /** Calls {@code changed} with each state stored after {@code revision}, in order (also after the store was unreachable for a while). */
    void watch(long revision, Consumer<Stored> changed);

    /** Campaigns for leadership in the background, for as long as the store is open: again after each deposition. */
    void campaign(Leadership leadership);

    /** Stores {@code state} if this instance leads (one transaction that compares its leader key); refused by the fence, the lead is lost. */
    Written write(SharedState state);

    /** Whether this instance still holds the lead of {@code term}, as far as it knows. */
    boolean leads(long term);

    /** Gives up the lead of {@code term} (it cannot lead now): another instance is elected; this one campaigns again later. */
    void resign(long term);

    /** Refuses when a change could not be stored now: this instance does not lead, or the store has no quorum. */
    void checkWritable() throws MembershipException.Unavailable;

    /** The instance that leads, as last seen. */
    Optional<Instance> leader();

    /** Resigns (when leading) and disconnects. */
    @Override
    void close();
}

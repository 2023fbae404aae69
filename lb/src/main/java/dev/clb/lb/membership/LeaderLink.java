package dev.clb.lb.membership;

import java.util.List;

/** How an instance that does not lead passes {@code /add} and {@code /rm} on to the one that does, and gets its answer. */
public interface LeaderLink {
    List<String> add(SharedStore.Instance leader, int n, List<String> hostnames) throws MembershipException;

    List<String> remove(SharedStore.Instance leader, int n, List<String> hostnames) throws MembershipException;
}

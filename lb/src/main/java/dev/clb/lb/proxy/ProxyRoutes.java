package dev.clb.lb.proxy;

import dev.clb.lb.admin.AdminRoutes;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.health.HeartbeatMonitor;
import java.util.function.Supplier;

/**
 * What the request path needs to know: the current ring, whom to tell about failures, where admin paths go, and the current {@link RequestPolicy} (swapped whole by a reload).
 */
public record ProxyRoutes(Supplier<Ring<Replica>> rings, HeartbeatMonitor monitor, Replica admin, Supplier<RequestPolicy> policies) {
    Ring<Replica> ring() {
        return rings.get();
    }

    RequestPolicy policy() {
        return policies.get();
    }

    /** Whether {@code uri}'s path (the query aside) is an admin path; no substring is made. */
    boolean isAdmin(String uri) {
        for (String path : AdminRoutes.PATHS) {
            if (uri.startsWith(path) && (uri.length() == path.length() || uri.charAt(path.length()) == '?')) return true;
        }
        return false;
    }
}

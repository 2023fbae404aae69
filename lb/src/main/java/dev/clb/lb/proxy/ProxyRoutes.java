package dev.clb.lb.proxy;

import dev.clb.lb.admin.AdminRoutes;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.core.ReplicaChooser;
import dev.clb.lb.health.HeartbeatMonitor;
import java.util.function.Supplier;

/**
 * What the request path needs to know: the current ring, whom to tell about failures, where admin paths go, whom to
 * tell about finished exchanges, how to pick the replica for each attempt and who counts each attempt's outcome
 * towards an outlier ejection.
 */
public record ProxyRoutes(Supplier<Ring<Replica>> rings, HeartbeatMonitor monitor, Replica admin, long timeoutMillis,
                   ProxyEvents events, ReplicaChooser chooser, OutlierDetection outliers, ProxySettings settings) {
    Ring<Replica> ring() {
        return rings.get();
    }

    /** Whether {@code uri}'s path (the query aside) is an admin path; no substring is made. */
    boolean isAdmin(String uri) {
        for (String path : AdminRoutes.PATHS) {
            if (uri.startsWith(path) && (uri.length() == path.length() || uri.charAt(path.length()) == '?')) return true;
        }
        return false;
    }
}

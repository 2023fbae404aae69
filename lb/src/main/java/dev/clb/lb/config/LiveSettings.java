package dev.clb.lb.config;

import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.edge.ClientLimits;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.membership.StaticMembership.WeightedBackend;
import dev.clb.lb.observability.AccessLog;
import dev.clb.lb.proxy.ProxySettings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a running load balancer could change without a restart or a dropped connection: how the ring places and
 * bounds requests, how replicas are watched, what clients may take, how requests are proxied and retried (one attempt
 * gets {@code proxyTimeout}), when a replica failing requests is ejected, how fast each client may send, the access log (none: off) and the static backends it fronts (empty unless the runtime
 * is static).
 */
public record LiveSettings(Balancing balancing, HeartbeatMonitor.Settings heartbeat, ClientLimits clients, Duration proxyTimeout,
                           ProxySettings proxy, OutlierDetection.Settings outliers, RateLimits rateLimits, Optional<AccessLog.Destination> accessLog, List<WeightedBackend> backends) {
    public LiveSettings {
        backends = List.copyOf(backends);
    }
}

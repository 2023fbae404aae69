package dev.clb.lb.config;

import dev.clb.lb.backend.OutlierDetection;
import dev.clb.lb.edge.ClientLimits;
import dev.clb.lb.health.HeartbeatMonitor;
import dev.clb.lb.membership.StaticMembership.WeightedBackend;
import dev.clb.lb.observability.AccessLog;
import dev.clb.lb.proxy.ProxySettings;
import dev.clb.lb.settings.InvalidSetting;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a running load balancer could change without a restart or a dropped connection: how the ring places and
 * bounds requests, how replicas are watched, what clients may take, how requests are proxied and retried (one attempt
 * gets {@code proxyTimeout}), when a replica failing requests is ejected, over how long a new or replacement replica
 * takes on its keys ({@code slowStart}, zero: at once), how fast each client may send, the access log (none: off) and the static backends it fronts (empty unless the runtime
 * is static).
 */
public record LiveSettings(Balancing balancing, HeartbeatMonitor.Settings heartbeat, ClientLimits clients, Duration proxyTimeout,
                           ProxySettings proxy, OutlierDetection.Settings outliers, Duration slowStart, RateLimits rateLimits, Optional<AccessLog.Destination> accessLog, List<WeightedBackend> backends) {
    /** The longest slow start: an hour is far beyond any JVM's warm-up, and keeps the window's nanoseconds far from overflow. */
    public static final Duration MAX_SLOW_START = Duration.ofHours(1);

    public LiveSettings {
        if (slowStart.isNegative() || slowStart.compareTo(MAX_SLOW_START) > 0) {
            throw new InvalidSetting("slowStart", "the slow-start window", "must be between 0 and " + MAX_SLOW_START.toMillis() + " ms, got " + slowStart.toMillis() + " ms");
        }
        backends = List.copyOf(backends);
    }
}

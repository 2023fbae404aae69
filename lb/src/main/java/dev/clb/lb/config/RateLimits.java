package dev.clb.lb.config;

import dev.clb.lb.edge.RequestRate;
import dev.clb.lb.edge.TrustedProxies;
import java.util.Optional;

/** The rate each client address may send at (none: no limit), and the proxies whose X-Forwarded-For names the client. */
public record RateLimits(Optional<RequestRate> rate, TrustedProxies trustedProxies) {
}

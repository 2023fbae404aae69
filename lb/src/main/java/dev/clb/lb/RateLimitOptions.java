package dev.clb.lb;

import static dev.clb.lb.LoadBalancerOptions.checked;
import static dev.clb.lb.LoadBalancerOptions.converted;

import dev.clb.lb.edge.RequestRate;
import dev.clb.lb.edge.TrustedProxies;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --rate-limit}, {@code --rate-burst} and {@code --trusted-proxies} turned into a {@link RequestRate} and the
 * {@link TrustedProxies}; as with the strategy's options, one that means nothing without {@code --rate-limit} is
 * refused rather than silently ignored.
 */
final class RateLimitOptions {
    private RateLimitOptions() {
    }

    /** The rate each client address may send at; none when {@code --rate-limit} is 0. */
    static Optional<RequestRate> rate(LoadBalancerOptions options) {
        double perSecond = options.rateLimit;
        if (perSecond == 0) {
            if (options.rateBurst != 0) throw new IllegalArgumentException("--rate-burst does not apply without --rate-limit");
            return Optional.empty();
        }
        int burst = options.rateBurst == 0 && perSecond > 0 ? RequestRate.defaultBurst(perSecond) : options.rateBurst;
        return Optional.of(checked(Map.of("perSecond", "--rate-limit", "burst", "--rate-burst"), () -> new RequestRate(perSecond, burst)));
    }

    /** The proxies whose X-Forwarded-For names the client; they only matter to a rate limit. */
    static TrustedProxies trustedProxies(LoadBalancerOptions options, Optional<RequestRate> rate) {
        List<String> networks = options.trustedProxies == null ? List.of() : options.trustedProxies;
        TrustedProxies proxies = converted("--trusted-proxies", () -> TrustedProxies.of(networks));
        if (rate.isEmpty() && networks.stream().anyMatch(network -> !network.isBlank())) {
            throw new IllegalArgumentException("--trusted-proxies does not apply without --rate-limit (it decides which client a request counts against)");
        }
        return proxies;
    }
}

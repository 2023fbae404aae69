package dev.clb.lb;

import static dev.clb.lb.LoadBalancerOptions.converted;

import dev.clb.lb.edge.RequestRate;
import dev.clb.lb.edge.TrustedProxies;
import java.util.List;
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
        if (options.rateBurst < 0 || options.rateBurst > RequestRate.MAX_BURST) {
            throw new IllegalArgumentException("--rate-burst must be between 1 and " + RequestRate.MAX_BURST + ", or 0 for the rate per second rounded up");
        }
        if (perSecond == 0) {
            if (options.rateBurst != 0) throw new IllegalArgumentException("--rate-burst does not apply without --rate-limit");
            return Optional.empty();
        }
        if (!(perSecond >= RequestRate.MIN_PER_SECOND && perSecond <= RequestRate.MAX_PER_SECOND)) {
            throw new IllegalArgumentException("--rate-limit must be between " + RequestRate.MIN_PER_SECOND + " and " + (long) RequestRate.MAX_PER_SECOND
                    + " requests/s, or 0 for none");
        }
        return Optional.of(new RequestRate(perSecond, options.rateBurst == 0 ? RequestRate.defaultBurst(perSecond) : options.rateBurst));
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

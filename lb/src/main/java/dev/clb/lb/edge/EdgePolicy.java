package dev.clb.lb.edge;

import java.util.Optional;

/**
 * What a client connection is held to, read once when it opens (a reload changes the next connections, never one in
 * the middle of a request): its limits and the per-client rate limit, if any, whose table all connections share.
 */
public record EdgePolicy(ClientLimits limits, Optional<RateLimit> rateLimit) {
}

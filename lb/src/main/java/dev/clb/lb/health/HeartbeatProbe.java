package dev.clb.lb.health;

import dev.clb.lb.core.Backend;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Sends one heartbeat to a replica: the monitor's only contact with the network, so tests can drive it without one. */
public interface HeartbeatProbe {

    /** One heartbeat to {@code backend}, given at most {@code timeout}; never completes exceptionally. */
    CompletableFuture<Outcome> beat(Backend backend, Duration timeout);
}

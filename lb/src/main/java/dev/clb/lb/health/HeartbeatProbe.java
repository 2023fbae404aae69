package dev.clb.lb.health;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;

/**
 * Sends heartbeats to a replica: the only contact with the network of the monitor and of membership (which waits for
 * new replicas to answer), so tests can drive both without one.
 */
public interface HeartbeatProbe {

    /** One heartbeat to {@code backend}, given at most {@code timeout}; never completes exceptionally. */
    CompletableFuture<Outcome> beat(Backend backend, Duration timeout);

    /**
     * Blocks until {@code backend} answers a heartbeat, {@code deadline} passes, or {@code gaveUp} says to stop
     * (e.g. its process died). Returns whether it answered.
     */
    default boolean awaitAlive(Backend backend, Duration deadline, BooleanSupplier gaveUp) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end && !gaveUp.getAsBoolean()) {
            try {
                if (beat(backend, Duration.ofMillis(500)).get() == Outcome.ALIVE) return true;
            } catch (ExecutionException e) {
                return false;
            }
            Thread.sleep(15);
        }
        return false;
    }
}

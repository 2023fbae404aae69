package dev.clb.lb.backend;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A replica's heartbeat state: heartbeats missed in a row, whether one is in flight, whether it was declared down.
 * Changed by the heartbeat monitor's thread and the probes' completions, hence atomics.
 */
public final class Health {
    private final AtomicInteger misses = new AtomicInteger();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicBoolean down = new AtomicBoolean();

    /** Whether a heartbeat may go now: false while one is in flight. */
    public boolean startProbe() {
        return probing.compareAndSet(false, true);
    }

    public void probeEnded() {
        probing.set(false);
    }

    /** It answered: its misses start again; true when it was down (it recovered). */
    public boolean answered() {
        misses.set(0);
        return down.compareAndSet(true, false);
    }

    public boolean isDown() {
        return down.get();
    }

    /** One more heartbeat missed; how many in a row now. */
    public int missed() {
        return misses.incrementAndGet();
    }

    /** Declares it down; true for the one call that did (a replica fails once until it answers again). */
    public boolean markDown() {
        misses.set(0);
        return down.compareAndSet(false, true);
    }
}

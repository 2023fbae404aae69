package dev.clb.lb.membership;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a task again after it failed, later each time: the delay doubles from {@code first} up to {@code max}, and a
 * success starts it over. At most one run is pending, however many failures ask for one, so a task that fails at
 * once (a replica that crashes on every start) costs one attempt per delay, never a spin.
 */
final class Backoff {
    /** The delays membership retries with: a replica start takes 0.6–2 s, so the first retry comes well within one. */
    static final Duration FIRST = Duration.ofMillis(250), MAX = Duration.ofSeconds(8);

    private final Duration first;
    private final Duration max;
    private final Executor executor;
    private final Runnable task;
    private final AtomicBoolean pending = new AtomicBoolean();
    private Duration next;

    Backoff(Duration first, Duration max, Executor executor, Runnable task) {
        this.first = first;
        this.max = max;
        this.executor = executor;
        this.task = task;
        this.next = first;
    }

    /** Schedules the next run, unless one is pending already; returns its delay. */
    synchronized Duration failed() {
        Duration delay = next;
        if (pending.compareAndSet(false, true)) {
            Duration doubled = next.multipliedBy(2);
            next = doubled.compareTo(max) > 0 ? max : doubled;
            CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS, executor).execute(() -> {
                pending.set(false);
                task.run();
            });
        }
        return delay;
    }

    synchronized void succeeded() {
        next = first;
    }
}

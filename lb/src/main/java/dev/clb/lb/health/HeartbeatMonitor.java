package dev.clb.lb.health;

import dev.clb.lb.backend.Health;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.events.MembershipEvents;
import dev.clb.lb.events.MembershipEvents.FailureReason;
import dev.clb.lb.settings.InvalidSetting;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code GET /heartbeat} to every monitored replica on a fixed interval, all at once and asynchronously,
 * so a slow replica delays nobody. A replica that refuses a connection fails at once; one that misses
 * {@code threshold} heartbeats in a row (no 200 within the timeout) fails then. A failed replica that answers
 * again is reported as recovered (only the static runtime keeps probing those). What it knows of a replica (misses,
 * a heartbeat in flight, down) is kept on the replica's {@link Health}, so it goes with the replica.
 */
public final class HeartbeatMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatMonitor.class);

    public record Settings(Duration interval, Duration timeout, int threshold) {
        public Settings {
            InvalidSetting.positive(interval, "interval", "the heartbeat interval");
            InvalidSetting.positive(timeout, "timeout", "the heartbeat timeout");
            if (threshold < 1) throw new InvalidSetting("threshold", "the failure threshold", "must be at least 1, got " + threshold);
        }
    }

    public interface Listener {
        void failed(Replica replica, String reason);

        default void recovered(Replica replica) {
        }
    }

    private volatile Settings settings;
    private ScheduledFuture<?> rounds;
    private final HeartbeatProbe probe;
    private final Supplier<Collection<Replica>> targets;
    private final Listener listener;
    private final MembershipEvents events;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "heartbeat");
        t.setDaemon(true);
        return t;
    });

    public HeartbeatMonitor(Settings settings, HeartbeatProbe probe, Supplier<Collection<Replica>> targets, Listener listener,
                            MembershipEvents events) {
        this.settings = settings;
        this.probe = probe;
        this.targets = targets;
        this.listener = listener;
        this.events = events;
    }

    public Settings settings() {
        return settings;
    }

    public synchronized void start() {
        long every = settings.interval().toMillis();
        rounds = ticker.scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Goes on with {@code next} (a reload): the next heartbeat gets its timeout and counts against its threshold; a new
     * interval starts a new schedule, its first round one new interval from now.
     */
    public synchronized void reconfigure(Settings next) {
        Settings before = settings;
        settings = next;
        if (rounds != null && !next.interval().equals(before.interval())) {
            rounds.cancel(false);
            start();
        }
    }

    /** One round: a heartbeat to every target that has none in flight. {@link #start} runs it every interval. */
    void tick() {
        try {
            for (Replica replica : targets.get()) check(replica);
        } catch (RuntimeException e) {
            log.warn("heartbeat round failed", e);
        }
    }

    /** Checks {@code backend} now, out of turn: the proxy calls this when a replica did not answer a request. */
    public void suspect(Replica replica) {
        check(replica);
    }

    /** The runtime saw the replica's process or container die: no heartbeat needs to confirm it. */
    public void exited(Replica replica) {
        record(replica, Outcome.REFUSED, FailureReason.EXITED, "its process exited");
    }

    /**
     * The outlier detection ejected {@code replica} {@code ejections} times in a row: alive to its heartbeats but failing
     * real requests, it is failed as a down one is (a managed runtime replaces it).
     */
    public void ejectedTooOften(Replica replica, int ejections) {
        if (!replica.health().markDown()) return;
        events.failed(replica.hostname(), FailureReason.OUTLIER);
        listener.failed(replica, "ejected as an outlier " + ejections + " times in a row");
    }

    private void check(Replica replica) {
        Health health = replica.health();
        if (!health.startProbe()) return;
        long start = System.nanoTime();
        probe.beat(replica.address(), settings.timeout()).whenComplete((outcome, error) -> {
            health.probeEnded();
            events.heartbeat(System.nanoTime() - start, outcome.name().toLowerCase());
            if (outcome == Outcome.REFUSED) {
                record(replica, outcome, FailureReason.REFUSED, "connection refused");
            } else {
                record(replica, outcome, FailureReason.MISSED, "heartbeats missed (timeout " + settings.timeout().toMillis() + " ms)");
            }
        });
    }

    private void record(Replica replica, Outcome outcome, FailureReason why, String reason) {
        Health health = replica.health();
        if (outcome == Outcome.ALIVE) {
            if (health.answered()) {
                replica.ejection().recovered();
                listener.recovered(replica);
            }
            return;
        }
        if (health.isDown()) return;
        int missed = outcome == Outcome.REFUSED ? settings.threshold() : health.missed();
        if (missed >= settings.threshold() && health.markDown()) {
            events.failed(replica.hostname(), why);
            listener.failed(replica, reason);
        }
    }

    public enum Outcome { ALIVE, REFUSED, MISSED }

    /** Failures that prove nothing listens there: refused, no route, or (a removed container) no such host. */
    public static boolean isRefusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof UnknownHostException) return true;
        }
        return false;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}

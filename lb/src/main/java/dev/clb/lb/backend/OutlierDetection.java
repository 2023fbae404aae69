package dev.clb.lb.backend;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.lb.settings.InvalidSetting;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive outlier detection (Envoy's {@code outlier_detection}, consecutive 5xx): a replica that answers
 * {@code consecutive5xx} requests in a row with a 5xx or fails them at the gateway (refused, reset, timed out) is
 * ejected from routing for the ejection time, doubled with each ejection in a row (at most {@link #MAX_EJECTION}), so
 * that a replica alive to its heartbeats but failing real requests (a gray failure) stops getting them. An ejected
 * replica keeps its place in the ring: the chooser passes over it as over a replica tried already, so its keys go to
 * the next replica in fallback order and come back when the time is up. Never more than {@code maxPercent} of the
 * ring's replicas are ejected at once, and never the last one. The {@link #REPLACE_AFTER}th ejection in a row is
 * reported to {@code ejectedTooOften} (a managed runtime replaces the replica).
 *
 * <p>The request path writes a replica's {@link Ejection}; only an ejection takes this object's lock (to count the
 * ejected replicas and add one atomically) and walks the ring.
 */
public final class OutlierDetection {
    private static final Logger log = LoggerFactory.getLogger(OutlierDetection.class);
    public static final Duration MAX_EJECTION = Duration.ofMinutes(5);
    public static final int REPLACE_AFTER = 3;

    /** {@code consecutive5xx} 0: off. */
    public record Settings(int consecutive5xx, Duration ejection, int maxPercent) {
        public static final Settings OFF = new Settings(0, Duration.ofSeconds(30), 50);

        public Settings {
            InvalidSetting.notNegative(consecutive5xx, "consecutive5xx", "the failures in a row that eject a replica");
            if (ejection.toMillis() <= 0 || ejection.compareTo(MAX_EJECTION) > 0) {
                throw new InvalidSetting("ejection", "the ejection time", "must be between 1 and " + MAX_EJECTION.toMillis() + " ms, got " + ejection.toMillis() + " ms");
            }
            if (maxPercent < 1 || maxPercent > 100) {
                throw new InvalidSetting("maxPercent", "the share of replicas that may be ejected at once", "must be between 1 and 100 %, got " + maxPercent);
            }
        }

        public boolean on() {
            return consecutive5xx > 0;
        }
    }

    private final Settings settings;
    private final boolean on;
    private final Consumer<Replica> ejectedTooOften;

    public OutlierDetection(Settings settings, Consumer<Replica> ejectedTooOften) {
        this.settings = settings;
        this.on = settings.on();
        this.ejectedTooOften = ejectedTooOften;
    }

    public boolean on() {
        return on;
    }

    /** {@code replica} answered below 500. */
    public void succeeded(Replica replica) {
        if (on) replica.ejection().succeeded();
    }

    /** {@code replica}, of {@code ring}, answered 5xx or failed at the gateway, at {@code clock}'s now. */
    public void failed(Ring<Replica> ring, Replica replica, Ticker clock) {
        if (!on) return;
        long now = clock.nanoTime();
        if (replica.ejection().failed(now) >= settings.consecutive5xx()) eject(ring, replica, now);
    }

    private void eject(Ring<Replica> ring, Replica replica, long now) {
        int inARow;
        synchronized (this) {
            Ejection ejection = replica.ejection();
            if (ejection.isEjectedAt(now)) return;
            int ejected = 0;
            for (Node<Replica> node : ring.nodes()) {
                if (node.value().ejection().isEjectedAt(now)) ejected++;
            }
            int replicas = ring.size();
            if (ejected + 1 >= replicas || (ejected + 1) * 100L > (long) settings.maxPercent() * replicas) return;
            inARow = ejection.eject(now, settings.ejection().toNanos(), MAX_EJECTION.toNanos());
        }
        replica.meters().ejected();
        log.warn("replica {} ejected after {} failures in a row ({} in a row)", replica.hostname(), settings.consecutive5xx(), inARow);
        if (inARow == REPLACE_AFTER) ejectedTooOften.accept(replica);
    }
}

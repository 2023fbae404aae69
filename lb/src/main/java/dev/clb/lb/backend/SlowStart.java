package dev.clb.lb.backend;

import dev.clb.hashmap.Mixers;
import io.netty.util.concurrent.Ticker;
import java.time.Clock;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A replica's slow start (Envoy's {@code slow_start_config}, nginx's {@code slow_start}, here for consistent hashing):
 * when it joined the ring on the event loops' ticker (one clock: every loop's ticker is the system's), if it joined
 * as a new or replacement replica. Within the window after that it takes only the request ids whose hash, as a fraction
 * of the hash space, is below the elapsed fraction of the window; the others go on to the next replica in fallback
 * order. The fraction rises, so each id moves to it once, at a moment fixed by its hash, and never back: a fresh JVM
 * is handed its share a slice at a time while it compiles, not all at once.
 *
 * <p>The chooser reads the join time once per candidate, a volatile read that is 0 for a replica present from the
 * start or past its window; the ticker is read only while a join is on record.
 */
public final class SlowStart {
    private static final double UNIT = 0x1.0p-53;
    /** The ticker's nanoseconds at which it joined; 0 when it is not (or no longer) slow-started. */
    private final AtomicLong since = new AtomicLong();

    /** It joins the ring now, at {@code clock}'s now, as a new or replacement replica: its window starts. */
    public void joined(Ticker clock) {
        long now = clock.nanoTime();
        since.set(now == 0 ? 1 : now); // 0 means none on record
    }

    /**
     * Whether it takes {@code requestId} at {@code clock}'s now with a window of {@code windowNanos} (above 0): always
     * outside its window; within it, when the id's hash falls below the elapsed fraction of the window.
     */
    public boolean takes(long requestId, long windowNanos, Ticker clock) {
        long start = since.get();
        if (start == 0) return true;
        long elapsed = clock.nanoTime() - start;
        if (elapsed >= windowNanos) {
            since.compareAndSet(start, 0); // its window is over: later reads compare one long
            return true;
        }
        return hashFraction(requestId) * windowNanos < elapsed;
    }

    /** When its window ends, in {@code wall}'s epoch milliseconds; empty when it is not within one at {@code clock}'s now. */
    public OptionalLong until(long windowNanos, Ticker clock, Clock wall) {
        long start = since.get();
        if (start == 0 || windowNanos == 0) return OptionalLong.empty();
        long left = start + windowNanos - clock.nanoTime();
        return left > 0 ? OptionalLong.of(wall.millis() + TimeUnit.NANOSECONDS.toMillis(left)) : OptionalLong.empty();
    }

    /**
     * {@code requestId}'s place in [0, 1): its MurmurHash3 fmix64 (the hash ring and maglev place it by) mixed once
     * more, top 53 bits as a fraction. The ring's hash alone would let the ids of one arc of the ring enter together,
     * so the share would rise in steps as large as its arcs; mixed again, the ids of every arc spread over [0, 1) and
     * the share rises as the threshold does.
     */
    public static double hashFraction(long requestId) {
        return (Mixers.fmix64(Mixers.fmix64(requestId)) >>> 11) * UNIT;
    }
}

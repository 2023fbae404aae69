package dev.clb.lb.backend;

import java.util.concurrent.TimeUnit;

/**
 * Whether a replica seems hung on one event loop (as Envoy's outlier detector sits beside its pool): when it last
 * answered there, and until when it is passed over after it let a first attempt's deadline pass without a word. Times
 * are the loop's ticker's nanos. Confined to its loop.
 */
public final class HungTracking {
    private long lastHeadNanos;
    /** Until when a first attempt's deadline passed without an answer (0: it answers). */
    private long hungUntilNanos;

    /** It answered a head at {@code now}: not hung. */
    public void answered(long now) {
        lastHeadNanos = now;
        hungUntilNanos = 0;
    }

    /** How long it has answered no one on this loop (since the loop started, if it never has). */
    public long quietMillis(long now) {
        return TimeUnit.NANOSECONDS.toMillis(now - lastHeadNanos);
    }

    /** It let an attempt pass {@code deadlineMillis} without a word: passed over for as long. */
    public void hung(long now, long deadlineMillis) {
        hungUntilNanos = now + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
    }

    /**
     * Whether it let a first attempt pass its deadline no longer ago than that deadline and has not answered since: a new
     * request then goes to the next replica at once rather than wait as long again. Only as long: a replica that merely
     * stalled (a pause of its JVM) gets its keys back as soon as possible, and the heartbeats decide whether a hung one
     * is replaced.
     */
    public boolean seemsHung(long now) {
        return hungUntilNanos != 0 && hungUntilNanos - now > 0;
    }
}

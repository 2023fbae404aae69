package dev.clb.lb.backend;

import io.netty.util.concurrent.Ticker;
import java.time.Clock;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A replica's outlier state ({@link OutlierDetection} decides on it): its failed answers in a row and, while it is
 * ejected from routing, when that ends, on the event loops' ticker (one clock: every loop's ticker is the system's).
 * The chooser reads the end once per candidate, a volatile read that is 0 unless it is ejected; an answer below 500
 * writes the count only when it is not 0 already, so the replicas' cache lines stay shared while all goes well.
 * The ejections in a row are changed only by the detection, under its lock.
 */
public final class Ejection {
    private final AtomicInteger failures = new AtomicInteger();
    /** The ticker's nanoseconds at which the ejection ends; 0 when it is not ejected (seen re-admitted). */
    private final AtomicLong until = new AtomicLong();
    private int inARow;
    /** When the last ejection ended (0: none yet); a replica fine for one ejection time after it starts its doubling again. */
    private long lastEnd;

    /** Whether it is out of routing at {@code clock}'s now; the clock is read only while an ejection is on record. */
    public boolean isEjected(Ticker clock) {
        long end = until.get();
        if (end == 0) return false;
        if (clock.nanoTime() < end) return true;
        until.compareAndSet(end, 0); // re-admitted: later reads compare one long
        return false;
    }

    boolean isEjectedAt(long now) {
        long end = until.get();
        return end != 0 && now < end;
    }

    /** When its ejection ends, in {@code wall}'s epoch milliseconds; empty when it is not ejected at {@code clock}'s now. */
    public OptionalLong ejectedUntil(Ticker clock, Clock wall) {
        long end = until.get();
        long now = clock.nanoTime();
        return end != 0 && now < end ? OptionalLong.of(wall.millis() + TimeUnit.NANOSECONDS.toMillis(end - now)) : OptionalLong.empty();
    }

    /**
     * It was down and answers its heartbeats again (a static backend back from the dead): what it failed while it was
     * down says nothing about it now, so it is routable at once and its count starts again.
     */
    public void recovered() {
        until.set(0);
        failures.set(0);
    }

    /** An answer below 500: its failures in a row start again. */
    void succeeded() {
        if (failures.get() != 0) failures.set(0);
    }

    /** One more failure in a row at {@code now}: how many now; 0 while it is ejected (what was in flight to it does not count). */
    int failed(long now) {
        return isEjectedAt(now) ? 0 : failures.incrementAndGet();
    }

    /**
     * Ejects it at {@code now} for {@code base} doubled by each ejection in a row before, at most {@code max}; the
     * ejections in a row start again when it was fine for {@code base} after the last one ended. Returns the
     * ejections in a row, this one included. Called under the detection's lock.
     */
    int eject(long now, long base, long max) {
        if (lastEnd != 0 && now - lastEnd >= base) inARow = 0;
        inARow++;
        long nanos = Math.min(base << Math.min(inARow - 1, 30), max);
        lastEnd = now + nanos;
        until.set(lastEnd);
        failures.set(0);
        return inARow;
    }
}

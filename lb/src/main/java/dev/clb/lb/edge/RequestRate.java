package dev.clb.lb.edge;

import dev.clb.lb.settings.InvalidSetting;

/**
 * How fast one client may send requests: {@code perSecond} on average, and up to {@code burst} at once after a quiet
 * spell (a token bucket {@code burst} deep that refills at {@code perSecond}).
 */
public record RequestRate(double perSecond, int burst) {
    /** One request every 1000 s: slower would not fit a bucket's clock in nanoseconds at the largest burst. */
    public static final double MIN_PER_SECOND = 0.001;
    public static final double MAX_PER_SECOND = 1_000_000;
    public static final int MAX_BURST = 1_000_000;

    public RequestRate {
        if (!(perSecond >= MIN_PER_SECOND && perSecond <= MAX_PER_SECOND)) {
            throw new InvalidSetting("perSecond", "the rate", "must be between " + MIN_PER_SECOND + " and " + (long) MAX_PER_SECOND + " requests/s, got " + perSecond);
        }
        if (burst < 1 || burst > MAX_BURST) throw new InvalidSetting("burst", "the burst", "must be between 1 and " + MAX_BURST + ", got " + burst);
    }

    /** The burst when none is given: one second's worth, at least one request. */
    public static int defaultBurst(double perSecond) {
        return (int) Math.max(1, Math.min(MAX_BURST, Math.ceil(perSecond)));
    }

    /** The time one token takes to come back. */
    long intervalNanos() {
        return Math.max(1, Math.round(1e9 / perSecond));
    }

    @Override
    public String toString() {
        String rate = perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
        return rate + " requests/s (burst " + burst + ")";
    }
}

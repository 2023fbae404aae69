package dev.clb.lb.backend;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * How long one replica took to start answering (request sent → answer head), over its last {@value #SIZE} answers seen
 * on one event loop, and the deadline that suggests for a first attempt: {@value #MULTIPLE} × the 99th percentile,
 * never below a floor (with fewer than 100 answers seen, the 99th percentile is the slowest). A replica that stops answering adds nothing, so its deadline stays what its good days made it.
 * Confined to its loop, like the {@link ReplicaLoop} that holds it.
 */
public final class LatencyWindow {
    static final int SIZE = 128;
    public static final int MULTIPLE = 4;
    /** Fewer answers say too little: a fresh replica's first ones are slow (cold JIT), its stalls longer than 4 of them. */
    private static final int MIN_SAMPLES = 16;
    private static final int RECOMPUTE_EVERY = 16;

    private final long[] nanos = new long[SIZE];
    private final long[] sorted = new long[SIZE];
    private long seen;
    private long p99Nanos = -1;

    public void add(long sample) {
        nanos[(int) (seen % SIZE)] = sample;
        seen++;
        if (seen >= MIN_SAMPLES && (seen <= RECOMPUTE_EVERY || seen % RECOMPUTE_EVERY == 0)) {
            int n = (int) Math.min(seen, SIZE);
            System.arraycopy(nanos, 0, sorted, 0, n);
            Arrays.sort(sorted, 0, n);
            p99Nanos = sorted[(int) Math.ceil(n * 0.99) - 1];
        }
    }

    /** The deadline for a first attempt, or 0 (none: wait the full timeout) while too few answers were seen. */
    public long deadlineMillis(long floorMillis) {
        if (p99Nanos < 0) return 0;
        return Math.max(floorMillis, MULTIPLE * TimeUnit.NANOSECONDS.toMillis(p99Nanos));
    }
}

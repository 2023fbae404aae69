package dev.clb.analyzer.results;

import java.util.List;

/** A-7 as saved in a7.json: the same failure without and with a slow start. */
public record A7Result(Provenance provenance, String placement, List<SlowStartRun> runs) implements Result {
    public A7Result {
        runs = List.copyOf(runs);
    }

    /** Passed when, with a slow start, no id changed replica twice after the replacement joined. */
    @Override
    public boolean passed() {
        return runs.stream().filter(r -> r.slowStartMillis() > 0).allMatch(r -> r.idsMovedTwice() == 0);
    }
}

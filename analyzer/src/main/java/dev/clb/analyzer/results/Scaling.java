package dev.clb.analyzer.results;

import java.util.List;

/** A-2 for one setup: one run per N, N ascending. */
public record Scaling(String setup, String label, List<RunResult> runs) {
    public boolean passed() {
        return runs.stream().allMatch(RunResult::passed);
    }
}

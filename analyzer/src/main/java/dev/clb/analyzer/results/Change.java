package dev.clb.analyzer.results;

import dev.clb.analyzer.stats.Moves;

/**
 * One change of A-5 and the requests it moved.
 *
 * @param ideal   the fraction a perfect placement moves: 1/(N+1) for an addition, 1/N for a removal, 0 for a replacement
 * @param minimum the fraction that had to move with this very placement: what the added replica took, what the removed one held
 * @param failed  requests that failed before or after the change
 */
public record Change(String kind, String what, Moves moves, double ideal, double minimum, int failed) {
    /** One console line. */
    public String line() {
        return String.format("a5 %-8s %-55s moved %5.2f%% (ideal %5.2f%%, this placement's minimum %5.2f%%), between replicas that stayed %d",
                kind, what, 100 * moves.fraction(), 100 * ideal, 100 * minimum, moves.movedBetweenStayers());
    }
}

package dev.clb.analyzer.results;

import java.util.List;

/**
 * A-5 for one setup: its three changes.
 *
 * @param placement the placement as {@code /ring} described it before the changes
 */
public record Disruption(String setup, String label, String placement, String strategy, List<Change> changes) {
    /** Nothing moves on a replacement, and nothing between replicas that stayed (Maglev: at most 0.5 %); Maglev moves at most 1.05x the ideal, give or take sampling. */
    public boolean passed() {
        return changes.stream().allMatch(c -> c.failed() == 0 && (c.kind().equals("replace") ? c.moves().moved() == 0 : withinTargets(c)));
    }

    private boolean withinTargets(Change c) {
        if (!strategy.equals("maglev")) return c.moves().movedBetweenStayers() == 0;
        double sigma = Math.sqrt(c.ideal() * (1 - c.ideal()) / Math.max(1, c.moves().compared()));
        return c.moves().betweenStayersFraction() <= 0.005 && c.moves().fraction() <= 1.05 * c.ideal() + 4 * sigma;
    }
}

package dev.clb.analyzer.stats;

import java.util.Set;

/**
 * How many of the same requests, sent before and after a change of the replicas, were answered by another ring id
 * afterwards. A ring id, not a hostname: a replacement inherits its predecessor's ring id, so it counts as the same place.
 *
 * @param compared            requests answered both times
 * @param moved               of those, answered by another ring id afterwards
 * @param movedBetweenStayers of the moved, from a ring id to another that both served before and after the change:
 *                            moves no change made necessary
 */
public record Moves(int compared, int moved, int movedBetweenStayers) {

    /**
     * @param before     ring id that answered each request before the change, 0 where it failed
     * @param after      the same requests, in the same order, after it
     * @param stayedIds  ring ids present both before and after the change
     */
    public static Moves between(int[] before, int[] after, Set<Integer> stayedIds) {
        if (before.length != after.length) throw new IllegalArgumentException(before.length + " requests before, " + after.length + " after");
        int compared = 0, moved = 0, between = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] == 0 || after[i] == 0) continue;
            compared++;
            if (before[i] == after[i]) continue;
            moved++;
            if (stayedIds.contains(before[i]) && stayedIds.contains(after[i])) between++;
        }
        return new Moves(compared, moved, between);
    }

    public double fraction() {
        return compared == 0 ? 0 : (double) moved / compared;
    }

    public double betweenStayersFraction() {
        return compared == 0 ? 0 : (double) movedBetweenStayers / compared;
    }
}

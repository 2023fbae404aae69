package dev.clb.analyzer.results;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One run of A-7: the replica on ring id 1 killed under paced traffic, its standby swapped in, with a slow start of
 * {@code slowStartMillis} (0: none). Seconds are counted from the replacement's join (when {@code /rep} first listed
 * it); bin {@code b} holds the requests sent in second {@code b} after it, for the ids of the killed replica's seat.
 *
 * @param windowEndsAfterSeconds when {@code /ring} said its slow start ends, after the join; null without one
 * @param share                  per bin, the share of the seat's requests the replacement answered (null: none sent)
 * @param replacementP50Ms       per bin, the median latency of the requests it answered (null: none)
 * @param replacementP99Ms       per bin, their 99th percentile (nearest rank)
 * @param replacementAnswers     per bin, how many it answered
 * @param seatIds                ids seen that belong to the seat (answered by the victim before the kill or by the replacement)
 * @param idsMovedOnce           of them, those answered by two replicas after the join, in one change
 * @param idsMovedTwice          those that changed replica twice or more after the join
 */
public record SlowStartRun(long slowStartMillis, String victim, String replacement, double killAtSeconds, double joinedAtSeconds,
                           Double windowEndsAfterSeconds, int requests, double perSecond, int failed, List<Double> share,
                           List<Double> replacementP50Ms, List<Double> replacementP99Ms, List<Integer> replacementAnswers,
                           int seatIds, int idsMovedOnce, int idsMovedTwice) {
    public SlowStartRun {
        share = Collections.unmodifiableList(new ArrayList<>(share));
        replacementP50Ms = Collections.unmodifiableList(new ArrayList<>(replacementP50Ms));
        replacementP99Ms = Collections.unmodifiableList(new ArrayList<>(replacementP99Ms));
        replacementAnswers = List.copyOf(replacementAnswers);
    }
}

package dev.clb.analyzer.results;

import java.util.List;
import java.util.Map;

/**
 * A-3's failure under traffic: a replica killed for real while steady traffic flows.
 *
 * @param skipped              why no replica was killed (e.g. no docker CLI), else null; the other figures are then traffic only
 * @param killAtSeconds        when the kill was sent, seconds after the traffic started
 * @param detectedAfterMs      from the kill until {@code /rep} no longer listed the victim; null if it never happened
 * @param servingAgainAfterMs  from the kill until a replica not listed before (the replacement) answered a request; null if none did
 * @param failedAfterKill      requests that failed and completed after the kill
 * @param timeline             requests answered per replica in each {@code binMillis} interval from the traffic's start
 */
public record Failover(String skipped, String victim, List<String> replicasBefore, List<String> replicasAfter, List<String> replacements,
                       int requests, double perSecond, Double killAtSeconds, Double detectedAfterMs, Double servingAgainAfterMs,
                       int failed, int failedAfterKill, String typicalError, Map<String, Long> counts, int binMillis,
                       Map<String, List<Integer>> timeline, List<Integer> failedTimeline) {

    public boolean passed() {
        return skipped == null && detectedAfterMs != null && servingAgainAfterMs != null && failed == 0;
    }
}

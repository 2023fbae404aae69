package dev.clb.analyzer.results;

import java.util.List;
import java.util.Map;

/**
 * A-3 as saved in a3.json.
 *
 * @param victimRingId  the killed replica's ring id
 * @param ringIdsAfter  ring id by hostname once the replacement serves, from {@code /ring}
 */
public record A3Result(Provenance provenance, String setup, String placement, List<EndpointCheck> checks, Failover failover,
                       int victimRingId, Map<String, Integer> ringIdsAfter) implements Result {
    @Override
    public boolean passed() {
        return checks.stream().allMatch(EndpointCheck::passed) && failover.passed() && replacementInherited();
    }

    /** Whether a replacement took the killed replica's ring id, as {@code /ring} shows. */
    public boolean replacementInherited() {
        return failover.replacements().stream().anyMatch(name -> Integer.valueOf(victimRingId).equals(ringIdsAfter.get(name)));
    }
}

package dev.clb.lb.runtime;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.dockerjava.api.model.ServicePlacement;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A service placement with the spread preference over node ids ({@code --placement-pref spread=node.id}), which
 * docker-java's {@link ServicePlacement} has no field for; the engine API takes it as {@code Preferences}. Also
 * where a warm standby goes ({@link #standbyNode}).
 */
final class SpreadPlacement extends ServicePlacement {
    private static final long serialVersionUID = 1L;

    @JsonProperty("Preferences")
    public List<Map<String, Map<String, String>>> getPreferences() {
        return List.of(Map.of("Spread", Map.of("SpreadDescriptor", "node.id")));
    }

    /**
     * The node of {@code candidates} a new standby should run on, so that when any one node fails, the standbys
     * left on the others replace as many of its serving replicas as they can: a node's failure leaves
     * {@code serving(n) - (standbys - standbys(n))} of its replicas waiting for a fresh start, so the standby goes
     * where {@code serving + standbys} is least (a standby there lowers that shortfall of every other node), among
     * those the node with the fewest serving replicas, then the lowest id (a stable choice). Empty without candidates.
     */
    static Optional<String> standbyNode(Collection<String> candidates, Map<String, Integer> serving, Map<String, Integer> standbys) {
        Comparator<String> order = Comparator.<String>comparingInt(n -> serving.getOrDefault(n, 0) + standbys.getOrDefault(n, 0))
                .thenComparingInt(n -> serving.getOrDefault(n, 0))
                .thenComparing(Comparator.naturalOrder());
        return candidates.stream().min(order);
    }
}

package dev.clb.analyzer.deploy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the load balancer's management port says about its placement ({@code GET /ring}): the strategy and its
 * parameters (null where one does not apply, as the JSON has it), and each replica's ring id, weight and share of the
 * six-digit request ids according to the strategy's model, in {@code /rep} order.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RingView(String strategy, String hash, Double boundedLoad, Integer slots, Integer vnodes, Integer tableSize,
                       String probe, List<Replica> replicas) {

    public RingView {
        replicas = List.copyOf(replicas);
    }

    /**
     * A replica's weight is 1 where {@code /ring} gives none (a load balancer from before weights); {@code slowStartUntil}:
     * until when (epoch ms) it is within its slow start, null when it is not, or the load balancer has none.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Replica(String hostname, int ringId, Integer weight, double share, Long slowStartUntil) {
        public Replica {
            if (weight == null) weight = 1;
        }
    }

    public List<String> hostnames() {
        return replicas.stream().map(Replica::hostname).toList();
    }

    /** Ring id by hostname. */
    public Map<String, Integer> ringIds() {
        Map<String, Integer> ids = new LinkedHashMap<>();
        replicas.forEach(r -> ids.put(r.hostname(), r.ringId()));
        return ids;
    }

    public double[] shares() {
        return replicas.stream().mapToDouble(Replica::share).toArray();
    }

    public Optional<Replica> byRingId(int ringId) {
        return replicas.stream().filter(r -> r.ringId() == ringId).findFirst();
    }

    /** One phrase for reports: "maglev (table 65537), hash murmur", "slots (M = 512, K = 9, probe linear), hash assignment, bounded load 1.25". */
    public String describe() {
        List<String> parameters = new ArrayList<>();
        if (slots != null) parameters.add("M = " + slots);
        if (vnodes != null) parameters.add(strategy.equals("ring") ? vnodes + " points per replica" : "K = " + vnodes);
        if (tableSize != null) parameters.add("table " + tableSize);
        if (probe != null) parameters.add("probe " + probe);
        StringBuilder text = new StringBuilder(strategy);
        if (!parameters.isEmpty()) text.append(" (").append(String.join(", ", parameters)).append(')');
        if (hash != null) text.append(", hash ").append(hash);
        if (boundedLoad != null) text.append(", bounded load ").append(boundedLoad);
        return text.toString();
    }
}

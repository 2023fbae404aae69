package dev.clb.lb.runtime;

import dev.clb.hashmap.Placement;
import dev.clb.lb.runtime.ReplicaRuntime.Place;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The labels that keep a load balancer's state in the engine, on replica containers, services and place records:
 * who owns the replica, its hostname, and its place in the map.
 */
final class ReplicaLabels {
    static final String OWNER = "dev.clb.owner";
    static final String HOSTNAME = "dev.clb.hostname";
    static final String RING_ID = "dev.clb.ring-id";
    static final String JOINED = "dev.clb.joined";
    static final String PLACEMENT = "dev.clb.placement";

    private ReplicaLabels() {
    }

    static Map<String, String> of(String owner, String hostname, Optional<Place> place) {
        Map<String, String> labels = new HashMap<>(Map.of(OWNER, owner, HOSTNAME, hostname));
        place.ifPresent(p -> labels.putAll(of(p)));
        return labels;
    }

    static Map<String, String> of(Place place) {
        Map<String, String> labels = new HashMap<>(Map.of(RING_ID, String.valueOf(place.ringId()), JOINED, String.valueOf(place.joined())));
        place.placement().ifPresent(p -> labels.put(PLACEMENT, p.encoded()));
        return labels;
    }

    /**
     * The place these labels record; empty for a standby, or labels that are not a positive ring id and a time. A
     * replica labelled before placements were recorded has none: adoption then places it by its ring id.
     */
    static Optional<Place> place(Map<String, String> labels) {
        if (labels == null) return Optional.empty();
        try {
            int ringId = Integer.parseInt(labels.getOrDefault(RING_ID, ""));
            long joined = Long.parseLong(labels.getOrDefault(JOINED, "0"));
            return ringId > 0 ? Optional.of(new Place(ringId, joined, Placement.parse(labels.get(PLACEMENT)))) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}

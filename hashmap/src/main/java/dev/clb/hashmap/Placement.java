package dev.clb.hashmap;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The slots a replica's virtual servers hold in a slot map, ascending, and the layout (M, K, hashes, probing) that
 * placed them. Its ring id alone does not say where they are: probing pushes a virtual server past
 * slots held when it joined, and their owners may have left since, so re-adding replicas by ring id in another
 * order can land them elsewhere. This is what puts a replica back exactly where it was.
 *
 * <p>{@link #encoded()} and {@link #parse} give it a one-line form to keep outside the process (a container label).
 */
public record Placement(String layout, List<Integer> slots) {
    public Placement {
        slots = List.copyOf(slots);
    }

    /** {@code layout:slot,slot,...} */
    public String encoded() {
        return layout + ":" + String.join(",", slots.stream().map(String::valueOf).toList());
    }

    /** The placement {@link #encoded()} wrote; empty for anything else. */
    public static Optional<Placement> parse(String encoded) {
        int colon = encoded == null ? -1 : encoded.lastIndexOf(':');
        if (colon <= 0 || colon == encoded.length() - 1) return Optional.empty();
        try {
            List<Integer> slots = Arrays.stream(encoded.substring(colon + 1).split(",")).map(Integer::valueOf).toList();
            return Optional.of(new Placement(encoded.substring(0, colon), slots));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}

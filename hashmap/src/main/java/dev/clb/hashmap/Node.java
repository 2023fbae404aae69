package dev.clb.hashmap;

/**
 * A replica on the ring: its unique name, its ring id i (the i in Φ(i, j)), its weight and what the caller attached to
 * it. A replica of weight W serves W times the share of one of weight 1 where the strategy applies weights (ring and
 * maglev; the slot map has none and refuses any weight but 1).
 */
public record Node<T>(String name, int ringId, int weight, T value) {
    /**
     * The largest weight, as HAProxy's server weights: a ratio of 256 to 1 covers servers of any real difference in
     * size, and the ring's points (points per replica × W) stay bounded.
     */
    public static final int MAX_WEIGHT = 256;

    public Node {
        checkWeight(weight);
    }

    /** A replica of weight 1. */
    public Node(String name, int ringId, T value) {
        this(name, ringId, 1, value);
    }

    /** Refuses a weight outside 1..{@value #MAX_WEIGHT}; returns it. */
    public static int checkWeight(int weight) {
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("a weight is a whole number from 1 to " + MAX_WEIGHT + ", got " + weight);
        }
        return weight;
    }
}

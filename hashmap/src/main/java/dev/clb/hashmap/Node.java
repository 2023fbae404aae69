package dev.clb.hashmap;

/** A replica on the ring: its unique name, its ring id i (the i in Φ(i, j)) and what the caller attached to it. */
public record Node<T>(String name, int ringId, T value) {
}

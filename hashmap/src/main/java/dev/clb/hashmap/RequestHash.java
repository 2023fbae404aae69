package dev.clb.hashmap;

/** Maps a request id to a slot in {@code [0, slots)}. */
@FunctionalInterface
public interface RequestHash {
    int slot(long requestId, int slots);
}

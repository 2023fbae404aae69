package dev.clb.hashmap;

/** Home slot, in {@code [0, slots)}, of virtual server {@code j} of the replica with ring id {@code ringId}. */
@FunctionalInterface
public interface VirtualServerHash {
    int slot(int ringId, int j, int slots);
}

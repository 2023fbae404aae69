package dev.clb.lb.config;

import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.core.BoundedLoadChooser;
import java.util.OptionalDouble;

/** How requests are placed: the strategy with its parameters and hash, and the bounded-load factor (empty: off). */
public record Balancing(RingStrategy strategy, OptionalDouble boundedLoad) {
    public Balancing {
        boundedLoad.ifPresent(BoundedLoadChooser::checkedFactor);
    }
}

package dev.clb.lb;

import dev.clb.hashmap.HashRing;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.MaglevTable;
import dev.clb.hashmap.Probing;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.config.Balancing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The placement options turned into a {@link RingStrategy}: each strategy's own options get their defaults, and an
 * option that means nothing to the chosen strategy is refused rather than silently ignored.
 */
final class StrategyOptions {
    private StrategyOptions() {
    }

    static RingStrategy strategy(LoadBalancerOptions options) {
        String strategy = LoadBalancerOptions.converted("--strategy", () -> RingStrategy.known(options.strategy));
        String hash = options.hash == null ? "" : options.hash.trim();
        String probe = options.probe == null ? "" : options.probe.trim();
        if (options.slots < 0) throw new IllegalArgumentException("--slots must be positive");
        if (options.vnodes < 0) throw new IllegalArgumentException("--vnodes must not be negative (0 means the strategy's default)");
        if (options.tableSize < 0) throw new IllegalArgumentException("--table-size must not be negative (0 means 65537)");
        List<String> meaningless = new ArrayList<>();
        if (!strategy.equals("slots")) {
            if (!hash.isEmpty() && !LoadBalancerOptions.converted("--hash", () -> HashScheme.named(hash)).equals(HashScheme.MURMUR)) meaningless.add("--hash " + hash);
            if (!probe.isEmpty()) meaningless.add("--probe");
            if (options.slots != 0) meaningless.add("--slots");
        }
        if (!strategy.equals("maglev") && options.tableSize != 0) meaningless.add("--table-size");
        if (strategy.equals("maglev") && options.vnodes != 0) meaningless.add("--vnodes");
        if (!meaningless.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", meaningless) + (meaningless.size() == 1 ? " does" : " do")
                    + " not apply to --strategy " + strategy + (strategy.equals("slots") ? ""
                    : " (it hashes with murmur; --hash, --probe and --slots belong to slots, --vnodes to slots and ring)"));
        }
        return switch (strategy) {
            case "slots" -> {
                HashScheme scheme = LoadBalancerOptions.converted("--hash", () -> HashScheme.named(hash.isEmpty() ? "assignment" : hash));
                Probing probing = Probing.named(probe.isEmpty() ? "linear" : probe);
                int slots = options.slots == 0 ? RingConfig.DEFAULT_SLOTS : options.slots;
                yield options.vnodes > 0 ? new RingConfig(slots, options.vnodes, scheme, probing) : RingConfig.of(slots, scheme, probing);
            }
            case "ring" -> LoadBalancerOptions.converted("--vnodes", () -> new HashRing.Config(options.vnodes == 0 ? HashRing.DEFAULT_POINTS : options.vnodes));
            default -> LoadBalancerOptions.converted("--table-size",
                    () -> new MaglevTable.Config(options.tableSize == 0 ? MaglevTable.DEFAULT_TABLE_SIZE : options.tableSize));
        };
    }

    /** The strategy, and bounded loads with the {@code --bounded-load} factor unless it is 0 (off). */
    static Balancing balancing(LoadBalancerOptions options) {
        RingStrategy strategy = strategy(options);
        OptionalDouble boundedLoad = options.boundedLoad == 0 ? OptionalDouble.empty() : OptionalDouble.of(options.boundedLoad);
        return LoadBalancerOptions.checked(Map.of("factor", "--bounded-load"), () -> new Balancing(strategy, boundedLoad));
    }
}

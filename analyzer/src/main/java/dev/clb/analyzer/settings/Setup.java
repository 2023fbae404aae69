package dev.clb.analyzer.settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One way of balancing that the experiments compare: a strategy of the load balancer ({@code --strategy}), the hash
 * pair for {@code slots} ({@code --hash}), and bounded loads on top ({@code --bounded-load}, 0 = off).
 *
 * @param name    how the command line ({@code --lb-for NAME=URL}) and the results name it
 * @param hash    the {@code --hash} pair, only for {@code slots}; ring and maglev use their own well-mixed hash
 */
public record Setup(String name, String strategy, Optional<String> hash, double boundedLoad) {
    /** The factor of the bounded-load setups: the 1.25 (HAProxy's and Envoy's usual choice). */
    public static final double BOUNDED = 1.25;

    public static final Setup ASSIGNMENT = slots("assignment");
    public static final Setup MURMUR = slots("murmur");
    public static final Setup FNV = slots("fnv");
    public static final Setup RING = new Setup("ring", "ring", Optional.empty(), 0);
    public static final Setup MAGLEV = new Setup("maglev", "maglev", Optional.empty(), 0);
    public static final Setup ASSIGNMENT_BOUNDED = ASSIGNMENT.bounded();
    public static final Setup RING_BOUNDED = RING.bounded();
    public static final Setup MAGLEV_BOUNDED = MAGLEV.bounded();

    /** Every setup, in the order the report shows them. */
    public static final List<Setup> ALL = List.of(ASSIGNMENT, MURMUR, FNV, RING, MAGLEV, ASSIGNMENT_BOUNDED, RING_BOUNDED, MAGLEV_BOUNDED);
    /** The setups without bounded loads: each strategy's placement as it is. */
    public static final List<Setup> PLACEMENTS = List.of(ASSIGNMENT, MURMUR, FNV, RING, MAGLEV);

    private static Setup slots(String hash) {
        return new Setup(hash, "slots", Optional.of(hash), 0);
    }

    private Setup bounded() {
        return new Setup(name + "-bounded", strategy, hash, BOUNDED);
    }

    public static Setup named(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        return ALL.stream().filter(s -> s.name.equals(wanted)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown setup '" + name + "': one of " + ALL.stream().map(Setup::name).toList()));
    }

    public boolean isBounded() {
        return boundedLoad > 0;
    }

    /** The load balancer's options for this setup. */
    public List<String> lbArguments() {
        List<String> args = new ArrayList<>(List.of("--strategy", strategy));
        hash.ifPresent(h -> args.addAll(List.of("--hash", h)));
        if (isBounded()) args.addAll(List.of("--bounded-load", String.valueOf(boundedLoad)));
        return args;
    }

    /** For charts and tables: "slots/murmur", "maglev + bounded 1.25". */
    public String label() {
        String base = hash.map(h -> strategy + "/" + h).orElse(strategy);
        return isBounded() ? base + " + bounded " + boundedLoad : base;
    }

    /** The environment a running load balancer needs for this setup, for error messages. */
    public String environment() {
        return "LB_STRATEGY=" + strategy + hash.map(h -> " LB_HASH=" + h).orElse("") + (isBounded() ? " LB_BOUNDED_LOAD=" + boundedLoad : "");
    }
}

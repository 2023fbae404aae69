package dev.clb.lb.config;

import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.settings.InvalidSetting;

/**
 * Everything a load balancer runs with, each value checked by the type that holds it: built once, from the command
 * line and its environment twins ({@code LoadBalancerOptions.config()}), and what a configuration file will give too.
 * {@link LiveSettings} is what a running load balancer can take on without a restart (a reload would apply it whole,
 * a cluster would share it); {@link FixedSettings} only a restart changes, so a reload whose fixed part differs
 * (records compare by value) would be refused.
 */
public record LoadBalancerConfig(FixedSettings fixed, LiveSettings live) {
    public LoadBalancerConfig {
        RingStrategy strategy = live.balancing().strategy();
        if (fixed.replicas() > strategy.capacity()) {
            throw new InvalidSetting("replicas", "the replica count", fixed.replicas() + " does not fit " + room(strategy));
        }
    }

    private static String room(RingStrategy strategy) {
        if (strategy instanceof RingConfig slots) {
            return slots.slots() + " slots with " + slots.virtualServers() + " virtual servers each (at most " + slots.capacity() + ")";
        }
        return "the " + strategy.name() + " strategy (at most " + strategy.capacity() + ")";
    }
}

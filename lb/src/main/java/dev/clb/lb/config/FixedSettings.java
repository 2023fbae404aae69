package dev.clb.lb.config;

import static dev.clb.lb.settings.InvalidSetting.notNegative;
import static dev.clb.lb.settings.InvalidSetting.notNegativeMillis;

import dev.clb.lb.admin.AdminToken;
import dev.clb.lb.membership.ManagedMembership;
import dev.clb.lb.settings.InvalidSetting;
import java.time.Duration;
import java.util.Optional;

/**
 * What only a restart changes: the ports and how they are served, where replicas run and how many start, how the
 * membership keeps them, how long metrics of a departed replica stay, the admin token, and the cluster it is an instance of.
 */
public record FixedSettings(Listen listen, Optional<Tls> tls, Optional<Management> management, RuntimeChoice runtime, int replicas,
                            ManagedMembership.Settings membership, Duration metricsRetention, AdminToken adminToken, Optional<Cluster> cluster) {
    public FixedSettings {
        notNegative(replicas, "replicas", "the replica count");
        notNegativeMillis(metricsRetention.toMillis(), "metricsRetention", "the metrics retention");
        if (tls.isPresent() && listen.port() != 0 && tls.get().port() == listen.port()) {
            throw new InvalidSetting("tlsPort", "the TLS port", "must differ from the plain port " + listen.port());
        }
    }
}

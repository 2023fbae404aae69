package dev.clb.lb.config;

import dev.clb.lb.settings.InvalidSetting;
import java.time.Duration;
import java.util.List;

/**
 * Cluster mode: the etcd endpoints where the instances keep their shared membership and elect their leader, the
 * cluster's name (the key prefix: several clusters can share one etcd), this instance's id, the lease of the lead, and
 * the address of this instance's public port as the others reach it (where they pass {@code /add} and {@code /rm} on to).
 */
public record Cluster(List<String> etcd, String name, String instanceId, Duration lease, String advertise) {
    public Cluster {
        etcd = List.copyOf(etcd);
        if (etcd.isEmpty()) throw new InvalidSetting("etcd", "the etcd endpoints", "must name at least one, as http://host:port");
        for (String url : etcd) {
            if (!url.matches("https?://[^/\\s]+:\\d+/?")) {
                throw new InvalidSetting("etcd", "an etcd endpoint", "must be http://host:port, got '" + url + "'");
            }
        }
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidSetting("name", "the cluster name", "may hold only letters, digits, '.', '_' and '-', got '" + name + "'");
        }
        if (!instanceId.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidSetting("instanceId", "the instance id", "may hold only letters, digits, '.', '_' and '-', got '" + instanceId + "'");
        }
        if (lease.toSeconds() < 2 || lease.toSeconds() > 60 || lease.toMillis() % 1000 != 0) {
            throw new InvalidSetting("lease", "the lease", "must be whole seconds from 2 to 60, got " + lease.toMillis() + " ms");
        }
        if (!advertise.matches("[^\\s:/]+:\\d+")) {
            throw new InvalidSetting("advertise", "the advertised address", "must be host:port, got '" + advertise + "'");
        }
    }
}

package dev.clb.lb.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.lb.cluster.EtcdStore.ClusterView;
import dev.clb.lb.config.Cluster;
import dev.clb.lb.management.ManagementRoutes;
import dev.clb.lb.membership.ClusterMembership;
import dev.clb.lb.membership.SharedStore.Instance;
import io.javalin.config.JavalinConfig;
import java.util.List;

/**
 * {@code GET /cluster}: this instance's id, the leader's (JSON null while none leads), the lease, how many standbys
 * the leader keeps, the revision of the ring this instance routes by, the instances registered, and each etcd
 * endpoint's health.
 */
public final class ClusterRoutes implements ManagementRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cluster settings;
    private final EtcdStore store;
    private final ClusterMembership membership;

    public ClusterRoutes(Cluster settings, EtcdStore store, ClusterMembership membership) {
        this.settings = settings;
        this.store = store;
        this.membership = membership;
    }

    record View(String cluster, String self, String leader, boolean leads, long leaseSeconds, int standbys, Long revision,
                List<Instance> instances, List<ClusterView.Endpoint> etcd) {
    }

    View view() {
        ClusterView seen = store.view();
        return new View(settings.name(), settings.instanceId(), membership.leader().orElse(null), membership.leads(), settings.lease().toSeconds(),
                membership.standbyHostnames().size(), membership.revision().isPresent() ? membership.revision().getAsLong() : null,
                seen.instances(), seen.etcd());
    }

    @Override
    public void register(JavalinConfig config) {
        config.routes.get("/cluster", ctx -> ctx.contentType("application/json").result(JSON.writeValueAsString(view())));
    }
}

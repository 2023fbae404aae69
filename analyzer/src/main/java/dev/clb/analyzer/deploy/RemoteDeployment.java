package dev.clb.analyzer.deploy;

import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import java.io.IOException;
import java.net.URI;

/**
 * A load balancer that was running before the analyzer (e.g. {@code docker compose up}): scaled through {@code /add}
 * and {@code /rm}, its replicas killed with {@code docker kill} (found by their owner label), and put back to its
 * number of replicas at the end.
 */
final class RemoteDeployment implements Deployment {
    private final Settings.Remote remote;
    private final Setup setup;
    private final AdminClient admin;
    private final int replicasBefore;

    RemoteDeployment(Settings.Remote remote, Setup setup, AdminClient admin, int replicasBefore) {
        this.remote = remote;
        this.setup = setup;
        this.admin = admin;
        this.replicasBefore = replicasBefore;
    }

    @Override
    public URI url() {
        return remote.url();
    }

    @Override
    public URI management() {
        return remote.management();
    }

    @Override
    public Setup setup() {
        return setup;
    }

    @Override
    public String describe() {
        return "running load balancer at " + remote.url() + " (management " + remote.management() + ", " + setup.label() + ")";
    }

    @Override
    public void kill(String hostname) throws IOException, InterruptedException {
        new DockerReplicas(remote.owner()).kill(hostname);
    }

    @Override
    public void close() throws IOException {
        admin.scaleTo(replicasBefore);
    }
}

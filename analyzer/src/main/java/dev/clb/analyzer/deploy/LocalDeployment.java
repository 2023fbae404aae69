package dev.clb.analyzer.deploy;

import dev.clb.analyzer.settings.Setup;
import java.io.IOException;
import java.net.URI;

/** A load balancer the analyzer started with the local runtime; its replicas are its child processes. */
final class LocalDeployment implements Deployment {
    private final LoadBalancerProcess process;
    private final Setup setup;

    LocalDeployment(LoadBalancerProcess process, Setup setup) {
        this.process = process;
        this.setup = setup;
    }

    @Override
    public URI url() {
        return process.url();
    }

    @Override
    public URI management() {
        return process.management();
    }

    @Override
    public Setup setup() {
        return setup;
    }

    @Override
    public String describe() {
        return "local load balancer pid " + process.pid() + " at " + process.url() + ", " + setup.label();
    }

    /** Sends SIGKILL to the replica's process and returns at once: it dies now, whatever it was doing. */
    @Override
    public void kill(String hostname) throws IOException {
        ProcessHandle replica = process.replica(hostname)
                .orElseThrow(() -> new IOException("no replica process with --id " + hostname + " under load balancer pid " + process.pid()));
        if (!replica.destroyForcibly()) throw new IOException("could not send SIGKILL to replica " + hostname + " (pid " + replica.pid() + ")");
    }

    @Override
    public void close() {
        process.close();
    }
}

package dev.clb.analyzer.deploy;

import dev.clb.hashmap.HashScheme;
import java.io.IOException;
import java.net.URI;

/** A load balancer the analyzer started with the local runtime; its replicas are its child processes. */
final class LocalDeployment implements Deployment {
    private final LoadBalancerProcess process;
    private final HashScheme hash;

    LocalDeployment(LoadBalancerProcess process, HashScheme hash) {
        this.process = process;
        this.hash = hash;
    }

    @Override
    public URI url() {
        return process.url();
    }

    @Override
    public HashScheme hash() {
        return hash;
    }

    @Override
    public String describe() {
        return "local load balancer pid " + process.pid() + " at " + process.url() + ", hash " + hash.name();
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

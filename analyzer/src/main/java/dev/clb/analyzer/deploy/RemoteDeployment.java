package dev.clb.analyzer.deploy;

import dev.clb.hashmap.HashScheme;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A load balancer that was running before the analyzer (e.g. {@code docker compose up}): scaled through {@code /add}
 * and {@code /rm}, its replicas killed with {@code docker kill}, and put back to its number of replicas at the end.
 */
final class RemoteDeployment implements Deployment {
    private final URI url;
    private final HashScheme hash;
    private final AdminClient admin;
    private final int replicasBefore;

    RemoteDeployment(URI url, HashScheme hash, AdminClient admin, int replicasBefore) {
        this.url = url;
        this.hash = hash;
        this.admin = admin;
        this.replicasBefore = replicasBefore;
    }

    @Override
    public URI url() {
        return url;
    }

    @Override
    public HashScheme hash() {
        return hash;
    }

    @Override
    public String describe() {
        return "running load balancer at " + url + " (told it runs hash " + hash.name() + ")";
    }

    @Override
    public void kill(String hostname) throws IOException, InterruptedException {
        Process docker;
        try {
            docker = new ProcessBuilder("docker", "kill", hostname).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run 'docker kill " + hostname + "' (is the docker CLI installed?): " + e.getMessage(), e);
        }
        if (!docker.waitFor(30, TimeUnit.SECONDS)) {
            docker.destroyForcibly();
            throw new IOException("'docker kill " + hostname + "' did not finish within 30 s");
        }
        String output = new String(docker.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (docker.exitValue() != 0) throw new IOException("'docker kill " + hostname + "' failed: " + output);
    }

    @Override
    public void close() throws IOException {
        admin.scaleTo(replicasBefore);
    }
}

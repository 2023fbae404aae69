package dev.clb.analyzer.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The replica containers of one load balancer, found the way it marks them: the label {@code dev.clb.owner=OWNER} and
 * the replica's hostname as container hostname and network alias. The container's name may carry a stack's prefix
 * ({@code murmur-server-1}), so it is never guessed.
 */
final class DockerReplicas {
    static final String OWNER_LABEL = "dev.clb.owner";
    /** One line per container: its id, its hostname, then its aliases on every network. */
    private static final String INSPECT_FORMAT = "{{.Id}} {{.Config.Hostname}}{{range .NetworkSettings.Networks}} {{join .Aliases \" \"}}{{end}}";

    private final String owner;

    DockerReplicas(String owner) {
        this.owner = owner;
    }

    /** {@code docker kill} of the running container of {@code owner} whose hostname or alias is {@code hostname}. */
    void kill(String hostname) throws IOException, InterruptedException {
        List<String> ids = docker("ps", "-q", "--no-trunc", "--filter", "label=" + OWNER_LABEL + "=" + owner).lines().filter(l -> !l.isBlank()).toList();
        if (ids.isEmpty()) throw new IOException("no running container carries the label " + OWNER_LABEL + "=" + owner + " (is --owner right?)");
        List<String> inspect = new ArrayList<>(List.of("inspect", "--format", INSPECT_FORMAT));
        inspect.addAll(ids);
        String id = containerFor(hostname, docker(inspect.toArray(String[]::new)).lines().toList()).orElseThrow(() -> new IOException(
                "none of the " + ids.size() + " containers labelled " + OWNER_LABEL + "=" + owner + " has the hostname or alias " + hostname));
        docker("kill", id);
    }

    /** The id on the first line whose hostname or one of whose aliases is {@code hostname}. */
    static Optional<String> containerFor(String hostname, List<String> inspectLines) {
        for (String line : inspectLines) {
            List<String> fields = Arrays.asList(line.trim().split("\\s+"));
            if (fields.size() >= 2 && fields.subList(1, fields.size()).contains(hostname)) return Optional.of(fields.get(0));
        }
        return Optional.empty();
    }

    private static String docker(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        String shown = String.join(" ", command);
        Process docker;
        try {
            docker = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run '" + shown + "' (is the docker CLI installed?): " + e.getMessage(), e);
        }
        String output = new String(docker.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!docker.waitFor(30, TimeUnit.SECONDS)) {
            docker.destroyForcibly();
            throw new IOException("'" + shown + "' did not finish within 30 s");
        }
        if (docker.exitValue() != 0) throw new IOException("'" + shown + "' failed: " + output);
        return output;
    }
}

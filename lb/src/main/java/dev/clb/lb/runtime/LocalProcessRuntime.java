package dev.clb.lb.runtime;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.settings.InvalidSetting;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicas as child processes of the replica jar on 127.0.0.1 and a free port.
 *
 * <p>Each child holds the read end of a pipe from this process on its standard input and exits when it
 * closes, so no replica outlives the load balancer, even when the load balancer is killed with SIGKILL.
 */
public final class LocalProcessRuntime implements ReplicaRuntime {
    private static final Logger log = LoggerFactory.getLogger(LocalProcessRuntime.class);
    private static final String HOST = "127.0.0.1";

    /**
     * What a local replica is started from: the replica jar, which must exist, the JVM options of its process and the
     * environment it gets on top of this one's.
     */
    public record Settings(Path replicaJar, List<String> jvmOptions, Map<String, String> environment) {
        public Settings {
            if (!Files.isRegularFile(replicaJar)) {
                throw new InvalidSetting("replicaJar", "replica jar", "not found: " + replicaJar.toAbsolutePath() + " (build it with 'mvn package')");
            }
            jvmOptions = List.copyOf(jvmOptions);
            environment = Map.copyOf(environment);
        }
    }

    private final Path replicaJar;
    private final List<String> jvmOptions;
    private final Map<String, String> environment;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final List<Consumer<String>> exitListeners = new CopyOnWriteArrayList<>();

    public LocalProcessRuntime(Settings settings) {
        this.replicaJar = settings.replicaJar();
        this.jvmOptions = settings.jvmOptions();
        this.environment = settings.environment();
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public Backend start(String hostname, Optional<Place> place) throws SpawnException {
        try {
            int port = freePort();
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", replicaJar.toString(), "--bind", HOST, "--port", String.valueOf(port),
                    "--id", hostname, "--exit-with-stdin"));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            builder.environment().putAll(environment);
            builder.environment().put("SERVER_ID", hostname);
            Process process = builder.start();
            processes.put(hostname, process);
            process.onExit().thenRun(() -> {
                if (processes.remove(hostname, process)) exitListeners.forEach(l -> l.accept(hostname));
            });
            log.debug("started replica {} as pid {} on port {}", hostname, process.pid(), port);
            return new Backend(hostname, HOST, port);
        } catch (IOException e) {
            throw new SpawnException("cannot start replica process '" + hostname + "': " + e.getMessage(), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void stop(String hostname, boolean force) {
        Process process = processes.remove(hostname);
        if (process == null) return;
        if (force) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** PID of a running replica, for tests and logs. */
    public long pid(String hostname) {
        Process process = processes.get(hostname);
        return process == null ? -1 : process.pid();
    }

    @Override
    public Set<String> running() {
        Set<String> alive = ConcurrentHashMap.newKeySet();
        processes.forEach((name, process) -> {
            if (process.isAlive()) alive.add(name);
        });
        return alive;
    }

    @Override
    public void onExit(Consumer<String> listener) {
        exitListeners.add(listener);
    }

    @Override
    public void close() {
        exitListeners.clear();
        List<String> names = new ArrayList<>(processes.keySet());
        names.parallelStream().forEach(name -> stop(name, false));
    }
}

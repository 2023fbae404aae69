package dev.clb.analyzer.deploy;

import dev.clb.analyzer.settings.Setup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * A load balancer started as a child process ({@code java -jar lb.jar --runtime local ...}) on 127.0.0.1 and a free
 * port, its management server on another free port, with its output in a temporary log file. Its replicas serve the
 * opt-in test paths ({@code /test/delay}, for A-6). Stopping it sends SIGTERM and waits, so that it stops its replicas;
 * a shutdown hook does the same for every one still running when the analyzer exits (Ctrl-C included).
 */
public final class LoadBalancerProcess implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    /**
     * The load balancers the analyzer starts live for seconds: C2's compilation costs more on two cores than its code
     * gains in that time (one A-1 run measured 2.1 s with it, 1.4 s without, with the analyzer itself on C1 too).
     */
    private static final String JVM_OPTIONS = "-XX:TieredStopAtLevel=1";
    /** A replica JVM may take long to start on a busy two-core machine; the load balancer's default 30 s was seen to run out. */
    private static final String SPAWN_TIMEOUT_MS = "120000";
    /**
     * A busy machine delays heartbeats past the load balancer's default 500 ms, and a replica wrongly replaced during a
     * run spoils its counts; a replica that is really killed refuses connections, which counts at once.
     */
    private static final String HEARTBEAT_TIMEOUT_MS = "2000";
    private static final Set<LoadBalancerProcess> running = ConcurrentHashMap.newKeySet();
    /** Set by the shutdown hook: the main thread may still be running then, and must not start another load balancer. */
    private static volatile boolean shuttingDown;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            shuttingDown = true;
            running.forEach(LoadBalancerProcess::close);
        }, "stop-load-balancers"));
    }

    private final Process process;
    private final URI url;
    private final URI management;
    private final Path log;

    private LoadBalancerProcess(Process process, URI url, URI management, Path log) {
        this.process = process;
        this.url = url;
        this.management = management;
        this.log = log;
    }

    /**
     * Starts the load balancer with {@code extraArguments} after the setup's and returns once {@code GET /rep} lists
     * {@code replicas} replicas.
     */
    public static LoadBalancerProcess start(Path lbJar, Path replicaJar, Setup setup, List<String> extraArguments, int replicas, OkHttpClient http,
                                            Duration readyWithin) throws IOException, InterruptedException {
        requireFile(lbJar, "load balancer jar", "--lb-jar / ANALYZER_LB_JAR");
        requireFile(replicaJar, "replica jar", "--replica-jar / ANALYZER_REPLICA_JAR");
        // the ports are picked free here but bound by the load balancer only after it started its replicas, and a replica
        // (or another load balancer of the run) can take one meanwhile: then the start is tried again on other ports
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnFreePorts(lbJar, replicaJar, setup, extraArguments, replicas, http, readyWithin);
            } catch (IOException e) {
                if (attempt == 3 || e.getMessage() == null || !e.getMessage().contains("Port already in use")) throw e;
            }
        }
    }

    private static LoadBalancerProcess startOnFreePorts(Path lbJar, Path replicaJar, Setup setup, List<String> extraArguments, int replicas, OkHttpClient http,
                                                        Duration readyWithin) throws IOException, InterruptedException {
        int port = freePort();
        int managementPort = freePort();
        List<String> command = new ArrayList<>(List.of(javaExecutable(), JVM_OPTIONS, "-jar", lbJar.toString(), "--runtime", "local",
                "--port", String.valueOf(port), "--bind", HOST, "--management-port", String.valueOf(managementPort), "--management-bind", HOST,
                "--replicas", String.valueOf(replicas), "--replica-jar", replicaJar.toString(), "--replica-env", "REPLICA_TEST_PATHS=true",
                "--spawn-timeout", SPAWN_TIMEOUT_MS, "--heartbeat-timeout", HEARTBEAT_TIMEOUT_MS));
        command.addAll(setup.lbArguments());
        command.addAll(extraArguments);
        Path log = Files.createTempFile("analyzer-lb-" + setup.name() + "-", ".log");
        if (shuttingDown) throw new IOException("the analyzer is stopping: no new load balancer");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LoadBalancerProcess lb = new LoadBalancerProcess(process, URI.create("http://" + HOST + ":" + port),
                URI.create("http://" + HOST + ":" + managementPort), log);
        running.add(lb);
        if (shuttingDown) {
            // the hook may have gone through the set before this one joined it
            lb.stop();
            throw new IOException("the analyzer is stopping: no new load balancer");
        }
        try {
            lb.awaitReady(new AdminClient(http, lb.url), new ManagementClient(http, lb.management), replicas, readyWithin);
            return lb;
        } catch (IOException | InterruptedException | RuntimeException e) {
            lb.stop();
            throw e;
        }
    }

    /** Until /rep lists {@code replicas} and the management server, which starts after the public port, answers /ring. */
    private void awaitReady(AdminClient admin, ManagementClient management, int replicas, Duration within) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("load balancer exited with code " + process.exitValue() + " before serving; its log ends:\n" + logTail());
            }
            try {
                List<String> listed = admin.replicas();
                last = "/rep lists " + listed;
                if (listed.size() == replicas) {
                    last = "/rep lists " + listed + ", /ring does not answer yet";
                    management.ring();
                    return;
                }
            } catch (IOException e) {
                last = e.getMessage();
            }
            Thread.sleep(50);
        }
        throw new IOException("load balancer did not serve " + replicas + " replicas within " + within.toSeconds() + " s (" + last
                + "); its log ends:\n" + logTail());
    }

    public URI url() {
        return url;
    }

    public URI management() {
        return management;
    }

    public long pid() {
        return process.pid();
    }

    /** The replica process that serves as {@code hostname}: a descendant of this load balancer started with {@code --id hostname}. */
    public Optional<ProcessHandle> replica(String hostname) {
        return process.descendants().filter(p -> hasIdArgument(p, hostname)).findFirst();
    }

    private static boolean hasIdArgument(ProcessHandle process, String hostname) {
        List<String> args = process.info().arguments().map(Arrays::asList).orElse(List.of());
        int at = args.indexOf("--id");
        return at >= 0 && at + 1 < args.size() && args.get(at + 1).equals(hostname);
    }

    /** SIGTERM, then waits for the load balancer to stop its replicas; SIGKILL for whatever is left after the grace period. */
    @Override
    public void close() {
        stop();
    }

    private void stop() {
        if (!running.remove(this)) return;
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            // the load balancer stops its replicas before it exits; this only catches one that outlived it
            descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temporary file; the system cleans it up eventually
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    private static void requireFile(Path file, String what, String option) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(what + " not found: " + file.toAbsolutePath() + " (build it with 'mvn package -DskipTests', or point "
                    + option + " at it)");
        }
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}

package dev.clb.lb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * The load balancer as a child process (local runtime, loopback, free ports). Its stdout (the access log) and
 * stderr (its log) go to files, which keep every line however the process ends. {@link #close} kills it and
 * every process it started.
 */
final class LoadBalancerChild implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("load balancer listening on .*:(\\d+) with replicas");
    private static final Pattern MANAGEMENT = Pattern.compile("management server on .*:(\\d+)");
    private static final Pattern TLS = Pattern.compile("TLS on .*:(\\d+) ");

    final Process process;
    private final Path out;
    private final Path err;

    private LoadBalancerChild(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    static LoadBalancerChild start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), LoadBalancerMain.class.getName()));
        // defaults an argument may replace: the command line takes each option once
        Map<String, String> defaults = new LinkedHashMap<>(Map.of("--port", "0", "--bind", "127.0.0.1", "--runtime", "local",
                "--management-port", "0", "--replica-jar", TestStack.replicaJar().toString()));
        defaults.keySet().removeAll(List.of(args));
        defaults.forEach((option, value) -> command.addAll(List.of(option, value)));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("lb-child", ".out");
        Path err = Files.createTempFile("lb-child", ".err");
        return new LoadBalancerChild(new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err);
    }

    List<String> stdout() throws IOException {
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    List<String> stderr() throws IOException {
        return Files.readAllLines(err, StandardCharsets.UTF_8);
    }

    /** The public port, once the load balancer says it listens. */
    int port(Duration limit) {
        return Awaitility.await("load balancer listening").atMost(limit).pollInterval(Duration.ofMillis(50))
                .until(() -> find(LISTENING), p -> p > 0);
    }

    int tlsPort(Duration limit) {
        return Awaitility.await("TLS port").atMost(limit).pollInterval(Duration.ofMillis(50))
                .until(() -> find(TLS), p -> p > 0);
    }

    int managementPort(Duration limit) {
        return Awaitility.await("management port").atMost(limit).pollInterval(Duration.ofMillis(50))
                .until(() -> find(MANAGEMENT), p -> p > 0);
    }

    private int find(Pattern pattern) throws IOException {
        for (String line : stderr()) {
            Matcher m = pattern.matcher(line);
            if (m.find()) return Integer.parseInt(m.group(1));
        }
        if (!process.isAlive()) throw new AssertionError("load balancer exited " + process.exitValue() + ": " + stderr());
        return 0;
    }

    /** Replica processes it runs now. */
    List<ProcessHandle> replicas() {
        return process.descendants().filter(p -> p.info().commandLine().orElse("").contains("replica")).toList();
    }

    @Override
    public void close() throws IOException {
        List<ProcessHandle> all = process.descendants().toList();
        process.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
    }
}

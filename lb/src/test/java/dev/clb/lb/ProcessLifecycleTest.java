package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The load balancer as its own process: however it stops, its replica processes stop with it. */
class ProcessLifecycleTest {
    private static final Pattern LISTENING = Pattern.compile("load balancer listening on .*:(\\d+) with replicas");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"SIGTERM", "SIGKILL"})
    void noReplicaOutlivesTheLoadBalancer(String signal) throws Exception {
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), LoadBalancerMain.class.getName(),
                "--port", "0", "--bind", "127.0.0.1", "--runtime", "local", "--management-port", "0", "--access-log", "off",
                "--replica-jar", TestStack.replicaJar().toString());
        Process lb = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<ProcessHandle> replicas = new ArrayList<>();
        try {
            awaitListening(lb, Duration.ofSeconds(60));
            Awaitility.await("3 replicas and a standby").atMost(Duration.ofSeconds(30))
                    .until(() -> lb.descendants().filter(p -> p.info().commandLine().orElse("").contains("replica")).count() >= 4);
            lb.descendants().forEach(replicas::add);
            if (signal.equals("SIGKILL")) lb.destroyForcibly(); else lb.destroy();
            assertThat(lb.waitFor(20, TimeUnit.SECONDS)).as("load balancer exits").isTrue();
            Awaitility.await("replicas gone after " + signal).atMost(Duration.ofSeconds(5))
                    .until(() -> replicas.stream().noneMatch(ProcessHandle::isAlive));
        } finally {
            lb.destroyForcibly();
            replicas.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** Reads the load balancer's log until it says it listens; drains the rest in the background. */
    private static void awaitListening(Process lb, Duration limit) throws Exception {
        BufferedReader log = new BufferedReader(new InputStreamReader(lb.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                while (log.readLine() != null) {
                    // keep the pipe drained
                }
            } catch (java.io.IOException ignored) {
                // the process is gone
            }
        });
        long end = System.nanoTime() + limit.toNanos();
        String line;
        while (System.nanoTime() < end && (line = log.readLine()) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                reader.setDaemon(true);
                reader.start();
                return;
            }
        }
        throw new AssertionError("load balancer did not start within " + limit);
    }
}

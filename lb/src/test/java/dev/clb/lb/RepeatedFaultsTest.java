package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults that come in a row or on top of each other, injected for real (SIGKILL, a replica that crashes on every
 * start), under traffic: no idempotent request fails while a replica remains, N comes back, no process leaks.
 */
class RepeatedFaultsTest {
    /**
     * A JVM start can take tens of seconds on a loaded 2-core machine, and heartbeats can be late there: these tests
     * are about the faults they inject (kills are seen at once through the process's exit), not start-up or load.
     */
    private static final String[] SLOW_MACHINE = {"--spawn-timeout", "120000", "--heartbeat-timeout", "2000", "--failure-threshold", "10"};

    private static Traffic homeTraffic(TestStack stack, int clients) {
        return Traffic.start(clients, 500_000, Duration.ofSeconds(150), i ->
                HttpRequest.newBuilder(URI.create(stack.base + "/home"))
                        .header("X-Request-ID", Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000)))
                        .timeout(Duration.ofSeconds(30)).build());
    }

    private static void assertNoLeakedProcess(TestStack stack) {
        Awaitility.await("only the replicas and standbys run").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(TestStack.replicaProcesses()).isEqualTo(stack.expectedProcesses()));
    }

    @Test
    void tenKillsInARowUnderLoad() throws Exception {
        try (TestStack stack = TestStack.start(SLOW_MACHINE); Traffic traffic = homeTraffic(stack, 8)) {
            List<Long> recoveries = new ArrayList<>();
            for (int kill = 0; kill < 10; kill++) {
                String victim = stack.hostnames().get(ThreadLocalRandom.current().nextInt(3));
                long t0 = System.nanoTime();
                stack.kill(victim); // the next kill comes as soon as N is back, standby ready or not
                FailureTest.awaitReplacementOf(stack, victim, Duration.ofSeconds(120));
                recoveries.add((System.nanoTime() - t0) / 1_000_000);
            }
            traffic.close();
            System.out.printf("TEN KILLS under load: %d requests ok, %d failed; kill -> N again, ms: %s%n",
                    traffic.ok(), traffic.failures().size(), recoveries);
            assertThat(traffic.failures()).as("failed requests").isEmpty();
            assertThat(stack.hostnames()).hasSize(3);
            stack.awaitStandbys(1);
            assertNoLeakedProcess(stack);
        }
    }

    @Test
    void aKillWhileAddIsStartingReplicas() throws Exception {
        try (TestStack stack = TestStack.start(SLOW_MACHINE); Traffic traffic = homeTraffic(stack, 6)) {
            // a replica in the map dies while /add starts two: the add completes, the dead one is replaced
            CompletableFuture<HttpResponse<String>> add = TestStack.http.sendAsync(HttpRequest.newBuilder(URI.create(stack.base + "/add"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\": 2, \"hostnames\": [\"S1\", \"S2\"]}")).timeout(Duration.ofSeconds(150)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Awaitility.await("/add started S1").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(2))
                    .until(() -> stack.runtime().pid("S1") > 0);
            stack.kill("server-1");
            HttpResponse<String> added = add.get(150, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
            Awaitility.await("server-1 replaced").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .untilAsserted(() -> assertThat(stack.hostnames()).hasSize(5).contains("S1", "S2").doesNotContain("server-1"));

            // a replica that /add is starting dies: the add fails cleanly and changes nothing
            stack.awaitStandbys(1);
            TestStack.State before = stack.state();
            CompletableFuture<HttpResponse<String>> doomed = TestStack.http.sendAsync(HttpRequest.newBuilder(URI.create(stack.base + "/add"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\": 2, \"hostnames\": [\"S3\", \"S4\"]}")).timeout(Duration.ofSeconds(150)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Awaitility.await("/add started S3").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(2))
                    .until(() -> stack.runtime().pid("S3") > 0);
            long t0 = System.nanoTime();
            stack.kill("S3");
            HttpResponse<String> refused = doomed.get(150, java.util.concurrent.TimeUnit.SECONDS);
            System.out.printf("KILL DURING /add: the add whose replica died answered %d after %d ms: %s%n", refused.statusCode(),
                    (System.nanoTime() - t0) / 1_000_000, refused.body());
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).startsWith("{\"message\": \"<Error> Could not start replicas");
            assertThat(stack.state()).isEqualTo(before);
            traffic.close();
            System.out.printf("KILL DURING /add under load: %d requests ok, %d failed%n", traffic.ok(), traffic.failures().size());
            assertThat(traffic.failures()).as("failed requests").isEmpty();
            assertNoLeakedProcess(stack);
        }
    }

    @Test
    void theStandbyKilledUnderLoad() throws Exception {
        try (TestStack stack = TestStack.start(SLOW_MACHINE); Traffic traffic = homeTraffic(stack, 6)) {
            List<String> before = stack.hostnames();
            String standby = stack.lb.replicas().standbyHostnames().get(0);
            Thread.sleep(300);
            stack.kill(standby);
            Awaitility.await("a new standby").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() ->
                    !stack.lb.replicas().standbyHostnames().isEmpty() && !stack.lb.replicas().standbyHostnames().contains(standby));
            traffic.close();
            System.out.printf("STANDBY KILLED under load: %d requests ok, %d failed%n", traffic.ok(), traffic.failures().size());
            assertThat(traffic.failures()).as("failed requests").isEmpty();
            assertThat(stack.hostnames()).isEqualTo(before);
            stack.awaitStandbys(1);
            assertNoLeakedProcess(stack);
        }
    }

    @Test
    void aReplicaThatCrashesOnEveryStart(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("replica.jar");
        Files.copy(TestStack.replicaJar(), jar);
        Path realJar = dir.resolve("real.jar");
        Files.copy(jar, realJar);
        Path crashingJar = crashingJar(dir.resolve("crashing.jar"));
        Path starts = dir.resolve("starts.log");
        try (TestStack stack = TestStack.start(java.util.stream.Stream.concat(java.util.stream.Stream.of("--replica-jar", jar.toString()),
                java.util.Arrays.stream(SLOW_MACHINE)).toArray(String[]::new));
             Traffic traffic = homeTraffic(stack, 4)) {
            // from now on every replica start exits at once; the running ones keep the old file open
            Files.copy(crashingJar, dir.resolve("next.jar"));
            Files.move(dir.resolve("next.jar"), jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            TestStack.State before = stack.state();
            long t0 = System.nanoTime();
            HttpResponse<String> add = stack.send("POST", "/add", "{\"n\": 1}");
            long addMillis = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("CRASH LOOP: /add answered %d after %d ms: %s%n", add.statusCode(), addMillis, add.body());
            assertThat(add.statusCode()).isEqualTo(503);
            assertThat(add.body()).contains("<Error> Could not start replicas").contains("exited before it answered /heartbeat");
            assertThat(addMillis).as("/add gives up when the replica exits, not after the 120 s --spawn-timeout").isLessThan(60_000);
            assertThat(stack.state()).isEqualTo(before);

            // the warm standby takes the first failure; the second finds none and leaves a vacant ring id
            stack.kill("server-1");
            FailureTest.awaitReplacementOf(stack, "server-1", Duration.ofSeconds(10));
            stack.kill("server-2");
            Awaitility.await("server-2 out of the map").atMost(Duration.ofSeconds(10)).until(() -> !stack.hostnames().contains("server-2"));
            long vacantSince = System.nanoTime();
            Thread.sleep(6_000);
            List<Long> attempts = Files.exists(starts) ? Files.readAllLines(starts).stream().map(Long::parseLong).toList() : List.of();
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < attempts.size(); i++) gaps.add(attempts.get(i) - attempts.get(i - 1));
            System.out.printf("CRASH LOOP: %d starts (the /add, standbys and replacements) in about 6 s with N short; gaps, ms: %s%n",
                    attempts.size(), gaps);
            assertThat(stack.hostnames()).as("N is short while no replica can start").hasSize(2);
            assertThat(attempts.size()).as("attempts back off instead of spinning").isBetween(1, 30);
            assertNoLeakedProcess(stack);

            // starting works again: the vacancy and the standby are filled without anyone asking
            Files.copy(realJar, dir.resolve("next.jar"));
            Files.move(dir.resolve("next.jar"), jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Awaitility.await("N back").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> stack.hostnames().size() == 3);
            System.out.printf("CRASH LOOP: N back %d ms after the second kill, once starts worked again%n", (System.nanoTime() - vacantSince) / 1_000_000);
            stack.awaitStandbys(1);
            traffic.close();
            System.out.printf("CRASH LOOP under load: %d requests ok, %d failed%n", traffic.ok(), traffic.failures().size());
            assertThat(traffic.failures()).as("failed requests").isEmpty();
            assertNoLeakedProcess(stack);
        }
    }

    /** A jar whose main class is {@link CrashingReplica}, which exits 1 at once. */
    private static Path crashingJar(Path jar) throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, CrashingReplica.class.getName());
        String entry = CrashingReplica.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
             var bytes = CrashingReplica.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            bytes.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }
}

package dev.clb.analyzer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code analyzer a1} ... {@code a6} against the compose deployment on the real Docker engine, as the getting-started
 * page runs them after {@code make up}: the stack from docker-compose.yml on free loopback ports, the analyzer jar as a
 * child process with {@code --lb} and {@code --mgmt}. Each experiment must pass its checks and draw its charts. The
 * analyzer runs with only java on its PATH, so kill their replica through the engine's API or not at all.
 * Skipped, saying why, where no Docker engine answers (scripts/docker-ready.sh prepares one). Uses the container names
 * of DockerStackIT (lb, net1, server-*), so never run the two at once on one engine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeAnalysisIT {
    private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    private static final Path ANALYZER_JAR = Path.of(System.getProperty("analyzer.jar", "target/analyzer.jar")).toAbsolutePath();
    private static final String BASE_IMAGE = System.getenv().getOrDefault("BASE_IMAGE", "lb-base-jre:17");
    private static final String OWNER = "lb";
    /** Fewer requests than the default 10,000 keep the six runs to a few minutes; every check stays as it is. */
    private static final List<String> TRAFFIC = List.of("--requests", "3000", "--warmup", "500", "--concurrency", "32");
    private static final Duration ANALYZER_LIMIT = Duration.ofMinutes(5);
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper json = new ObjectMapper();
    private static List<String> compose;
    private static int port;
    private static int managementPort;

    @TempDir
    static Path out;

    @BeforeAll
    static void upTheStack() throws Exception {
        String why = dockerUnavailable();
        if (why != null) System.err.println("ComposeAnalysisIT SKIPPED: " + why);
        assumeTrue(why == null, () -> "Docker tests skipped: " + why);
        assertThat(ANALYZER_JAR).as("the analyzer jar ('mvn package' builds it before the integration tests)").isRegularFile();
        compose = new ArrayList<>(run(Duration.ofSeconds(10), "docker", "compose", "version").exitCode == 0
                ? List.of("docker", "compose") : List.of("docker-compose"));
        compose.addAll(List.of("-f", "docker-compose.yml"));
        if (run(Duration.ofSeconds(30), "docker", "run", "--rm", "--privileged", "--entrypoint", "true", BASE_IMAGE).exitCode != 0) {
            System.err.println("ComposeAnalysisIT: this engine cannot start privileged containers; using docker-compose.unprivileged.yml");
            compose.addAll(List.of("-f", "docker-compose.unprivileged.yml"));
        }
        port = freePort();
        managementPort = freePort();
        tearDown();
        expectOk(run(Duration.ofMinutes(5), with(compose, "build")), "compose build");
        expectOk(run(Duration.ofMinutes(2), with(compose, "up", "-d")), "compose up");
        awaitRep(Duration.ofSeconds(90));
    }

    @AfterAll
    static void downTheStack() throws Exception {
        if (compose == null) return;
        tearDown();
        assertThat(lines(run(Duration.ofSeconds(30), "docker", "ps", "-aq", "--filter", "label=dev.clb.owner"))).as("replica containers left").isEmpty();
        assertThat(lines(run(Duration.ofSeconds(30), "docker", "ps", "-aq", "--filter", "name=^lb$"))).as("the lb container left").isEmpty();
        assertThat(lines(run(Duration.ofSeconds(30), "docker", "network", "ls", "-q", "--filter", "name=^net1$"))).as("net1 left").isEmpty();
    }

    @Test
    @Order(1)
    void a1SplitsAsTheModelPredicts() throws Exception {
        Path dir = analyze("a1", "A-1: requests per replica, N = 3", "a1-requests-per-replica.png");
        JsonNode run = json.readTree(dir.resolve("a1.json").toFile()).path("run");
        assertThat(run.path("failed").asInt()).isZero();
        assertThat(run.path("ok").asInt()).isEqualTo(3000);
        assertThat(run.path("routingAgreement").asDouble()).as("every request answered by the replica the hash map picks").isEqualTo(1.0);
    }

    @Test
    @Order(2)
    void a2ScalesTheContainersFromTwoToSix() throws Exception {
        Path dir = analyze("a2", "A-2: load per replica for N = 2..6", "a2-load-vs-n.png");
        JsonNode runs = json.readTree(dir.resolve("a2.json").toFile()).path("scaling").path("runs");
        assertThat(each(runs, "n")).containsExactly("2", "3", "4", "5", "6");
        assertThat(replicas()).as("put back to its 3 replicas").hasSize(3);
    }

    @Test
    @Order(3)
    void a3KillsAReplicaContainerThroughTheEngineApi() throws Exception {
        Path dir = analyze("a3", "A-3: endpoints, and a replica killed under traffic", "a3-failover-timeline.png");
        JsonNode a3 = json.readTree(dir.resolve("a3.json").toFile());
        JsonNode failover = a3.path("failover");
        assertThat(failover.path("skipped").isNull()).as("the kill was not skipped: " + failover.path("skipped")).isTrue();
        assertThat(failover.path("killAtSeconds").isNumber()).isTrue();
        assertThat(failover.path("failed").asInt()).isZero();
        String victim = failover.path("victim").asText();
        assertThat(failover.path("replacements")).hasSize(1);
        assertThat(each(a3.path("checks"), "passed")).as("the endpoint tour").isNotEmpty().containsOnly("true");
        // the running containers include the load balancer's warm standbys
        assertThat(lines(run(Duration.ofSeconds(20), "docker", "ps", "--filter", "label=dev.clb.owner=" + OWNER, "--format", "{{.Names}}")))
                .as("running replica containers").doesNotContain(victim).contains(failover.path("replacements").get(0).asText());
    }

    @Test
    @Order(4)
    void a4MeasuresTheComposeSetupAndSaysWhichItCouldNot() throws Exception {
        Path dir = analyze("a4", "A-4: every strategy, hash and bounded load side by side", "a4-requests-per-replica-by-setup.png",
                "a4-max-over-mean-by-setup.png", "a4-load-vs-n-by-hash.png", "a4-spread-by-hash.png");
        JsonNode a4 = json.readTree(dir.resolve("a4.json").toFile());
        assertThat(each(a4.path("homeRuns"), "setup")).containsExactly("assignment");
        assertThat(a4.path("notMeasured")).as("one compose stack runs one setup").hasSize(7);
    }

    @Test
    @Order(5)
    void a5MovesNothingOnAReplacementKilledThroughTheEngineApi() throws Exception {
        Path dir = analyze("a5", "A-5: disruption when a replica is added, removed or replaced", "a5-disruption.png");
        JsonNode changes = json.readTree(dir.resolve("a5.json").toFile()).path("disruptions").get(0).path("changes");
        assertThat(each(changes, "kind")).containsExactly("replace", "add", "remove");
        assertThat(changes.get(0).path("what").asText()).startsWith("kill -9 ").contains("replaced by replica-");
        assertThat(changes.get(0).path("moves").path("moved").asInt()).isZero();
        assertThat(replicas()).as("put back to its 3 replicas").hasSize(3);
    }

    @Test
    @Order(6)
    void a6HoldsRequestsOnTheReplicasWithoutAFailure() throws Exception {
        Path dir = analyze("a6", "A-6: hot keys, with and without bounded loads", "a6-busiest-share.png", "a6-latency.png");
        JsonNode results = json.readTree(dir.resolve("a6.json").toFile()).path("results");
        assertThat(results).hasSize(1);
        assertThat(results.get(0).path("ok").asInt()).isEqualTo(3000);
    }

    /**
     * Runs {@code analyzer EXPERIMENT} against the stack into its own directory and asserts what every experiment
     * must do: exit 0, print "TITLE: passed", draw {@code charts} as PNGs, and write its section of REPORT.md.
     */
    private static Path analyze(String experiment, String title, String... charts) throws Exception {
        Path dir = out.resolve(experiment);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                ANALYZER_JAR.toString(), experiment, "--lb", "http://127.0.0.1:" + port, "--mgmt", "http://127.0.0.1:" + managementPort,
                "--owner", OWNER, "--out", dir.toString()));
        command.addAll(TRAFFIC);
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        // no docker CLI to fall back on: a kill goes through the engine's API (DOCKER_HOST or the local socket)
        builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin").toString());
        long t0 = System.nanoTime();
        Result result = run(builder, ANALYZER_LIMIT);
        String printed = result.out;
        System.out.printf("ANALYZER %s against compose: exit %d in %.1f s%n%s%n", experiment, result.exitCode, (System.nanoTime() - t0) / 1e9,
                printed);
        assertThat(result.exitCode).as(printed).isZero();
        assertThat(printed).contains(title + ": passed").contains("using the running load balancer at http://127.0.0.1:" + port);
        for (String chart : charts) {
            assertThat(ImageIO.read(dir.resolve(chart).toFile())).as(chart).isNotNull();
        }
        assertThat(Files.readString(dir.resolve("REPORT.md"))).contains("## A-" + experiment.substring(1));
        return dir;
    }

    /** The field {@code name} of each element of {@code array}, as text. */
    private static List<String> each(JsonNode array, String name) {
        List<String> values = new ArrayList<>();
        array.forEach(element -> values.add(element.path(name).asText()));
        return values;
    }

    private static List<String> replicas() throws Exception {
        JsonNode rep = json.readTree(get("/rep").body());
        List<String> names = new ArrayList<>();
        rep.path("message").path("replicas").forEach(name -> names.add(name.asText()));
        return names;
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitRep(Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (get("/rep").statusCode() == 200) return;
            } catch (IOException notYet) {
                // the load balancer opens its port once its replicas answer
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the load balancer did not answer /rep within " + limit + "; logs:\n"
                + run(Duration.ofSeconds(20), with(compose, "logs", "--tail", "50", "lb")).out);
    }

    private static void tearDown() throws Exception {
        run(Duration.ofMinutes(2), with(compose, "down", "--volumes", "--remove-orphans", "--timeout", "30"));
        List<String> left = lines(run(Duration.ofSeconds(20), "docker", "ps", "-aq", "--filter", "label=dev.clb.owner"));
        if (!left.isEmpty()) run(Duration.ofSeconds(60), with(List.of("docker", "rm", "-f"), left.toArray(String[]::new)));
        run(Duration.ofSeconds(20), "docker", "network", "rm", "net1");
    }

    private static String dockerUnavailable() throws Exception {
        if (run(Duration.ofSeconds(20), "docker", "info").exitCode != 0) {
            return "no Docker engine answers (run scripts/docker-ready.sh as root to install and start one)";
        }
        if (run(Duration.ofSeconds(20), "docker", "image", "inspect", BASE_IMAGE).exitCode != 0 && BASE_IMAGE.startsWith("lb-base-jre")) {
            return "base image " + BASE_IMAGE + " is missing (scripts/docker-ready.sh builds it; or set BASE_IMAGE)";
        }
        return null;
    }

    private record Result(int exitCode, String out) {
    }

    private static Result run(Duration limit, String... command) throws Exception {
        return run(limit, List.of(command));
    }

    /** A docker or compose command with the stack's environment: its ports, its base image, the replicas' test paths for A-6. */
    private static Result run(Duration limit, List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        builder.environment().putAll(Map.of("BASE_IMAGE", BASE_IMAGE, "LB_HOST_PORT", String.valueOf(port),
                "LB_MANAGEMENT_HOST_PORT", String.valueOf(managementPort), "LB_REPLICA_ENV", "REPLICA_TEST_PATHS=true",
                // the analyzer sends no admin token
                "LB_ADMIN_TOKEN", ""));
        return run(builder, limit);
    }

    private static Result run(ProcessBuilder builder, Duration limit) throws Exception {
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        }
        StringBuilder text = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                text.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.append(e);
            }
        });
        reader.start();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            reader.join(5_000);
            return new Result(124, "timed out after " + limit + ": " + builder.command() + "\n" + text);
        }
        reader.join(5_000);
        return new Result(process.exitValue(), text.toString());
    }

    private static List<String> with(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }

    private static List<String> lines(Result result) {
        return result.out.lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static void expectOk(Result result, String what) {
        if (result.exitCode != 0) throw new AssertionError(what + " failed (" + result.exitCode + "):\n" + result.out);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

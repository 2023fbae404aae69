package dev.clb.lb.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clb.lb.tls.CertificateFiles;
import dev.clb.lb.tls.TestCertificates;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real Docker deployment: the stack from docker-compose.yml, replicas as containers on net1, traffic only
 * through the load balancer's port published on 127.0.0.1. Skipped, saying why, where no Docker engine answers
 * (scripts/docker-ready.sh prepares one, and .ci/run calls it).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerStackIT {
    private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    private static final String BASE_IMAGE = System.getenv().getOrDefault("BASE_IMAGE", "lb-base-jre:17");
    private static final Pattern SERVED_BY = Pattern.compile("Hello from Server: ([^\"]+)");
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The admin token the stack gets from the environment of 'docker compose', as {@code LB_ADMIN_TOKEN=... make up} passes it. */
    private static final String TOKEN = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    private static final int SLOW_REQUESTS = 10;
    private static List<String> compose;
    private static int port;
    private static int managementPort;
    private static int tlsPort;
    /** The certificate and key on the host, given to compose as TLS_CERT and TLS_KEY, as {@code TLS_CERT=... make up} does. */
    private static final CertificateFiles tls = TestCertificates.temporary("localhost");

    @BeforeAll
    static void upTheStack() throws Exception {
        String why = dockerUnavailable();
        if (why != null) System.err.println("DockerStackIT SKIPPED: " + why);
        assumeTrue(why == null, () -> "Docker tests skipped: " + why);
        compose = new ArrayList<>(run(Duration.ofSeconds(10), "docker", "compose", "version").exitCode == 0
                ? List.of("docker", "compose") : List.of("docker-compose"));
        compose.addAll(List.of("-f", "docker-compose.yml"));
        if (run(Duration.ofSeconds(30), "docker", "run", "--rm", "--privileged", "--entrypoint", "true", BASE_IMAGE).exitCode != 0) {
            System.err.println("DockerStackIT: this engine cannot start privileged containers; using docker-compose.unprivileged.yml");
            compose.addAll(List.of("-f", "docker-compose.unprivileged.yml"));
        }
        compose.addAll(List.of("-f", "docker-compose.tls.yml"));
        port = freePort();
        managementPort = freePort();
        tlsPort = freePort();
        tearDown();
        expectOk(run(Duration.ofMinutes(5), with(compose, "build")), "compose build");
        expectOk(run(Duration.ofMinutes(2), with(compose, "up", "-d")), "compose up");
        awaitRep(Duration.ofSeconds(90));
    }

    @AfterAll
    static void downTheStack() throws Exception {
        if (compose == null) return;
        tearDown();
        assertThat(lines(run(Duration.ofSeconds(30), "docker", "ps", "-aq", "--filter", "label=dev.clb.owner"))).isEmpty();
        assertThat(lines(run(Duration.ofSeconds(30), "docker", "ps", "-aq", "--filter", "name=^lb$"))).isEmpty();
        assertThat(lines(run(Duration.ofSeconds(30), "docker", "network", "ls", "-q", "--filter", "name=^net1$"))).isEmpty();
        assertThat(lines(run(Duration.ofSeconds(30), "docker", "volume", "ls", "-q", "--filter", "label=dev.clb.owner"))).isEmpty();
    }

    @Test
    @Order(1)
    void threeReplicaContainersRunOnNet1UnderTheirHostnames() throws Exception {
        List<String> replicas = replicas();
        assertThat(get("/rep").body()).isEqualTo(
                "{\"message\": {\"N\": 3, \"replicas\": [\"server-1\", \"server-2\", \"server-3\"]}, \"status\": \"successful\"}");
        for (String name : replicas) {
            Result inspect = run(Duration.ofSeconds(20), "docker", "inspect", "-f",
                    "{{.State.Running}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{join $v.Aliases \",\"}}{{end}} {{.Config.Hostname}}", name);
            assertThat(inspect.out.trim()).as(name).startsWith("true net1:").contains(name).endsWith(" " + name);
        }
    }

    @Test
    @Order(2)
    void everyEndpointKeepsItsContract() throws Exception {
        HttpResponse<String> home = get("/home");
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.body()).matches("\\{\"message\": \"Hello from Server: server-[123]\", \"status\": \"successful\"}");
        assertThat(get("/other").body())
                .isEqualTo("{\"message\": \"<Error> '/other' endpoint does not exist in server replicas\", \"status\": \"failure\"}");
        HttpResponse<String> tooMany = send("POST", "/add", "{\"n\": 1, \"hostnames\": [\"A\", \"B\"]}");
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.body()).isEqualTo(
                "{\"message\": \"<Error> Length of hostname list is more than newly added instances\", \"status\": \"failure\"}");
        HttpResponse<String> rmTooMany = send("DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"server-1\", \"server-2\"]}");
        assertThat(rmTooMany.body()).isEqualTo(
                "{\"message\": \"<Error> Length of hostname list is more than removable instances\", \"status\": \"failure\"}");
        Set<String> before = containers();
        for (String bad : List.of("{\"n\": \"two\"}", "not json", "{\"n\": 1, \"hostnames\": [\"bad name\"]}", "{\"n\": 1, \"hostnames\": [\"server-1\"]}")) {
            HttpResponse<String> refused = send("POST", "/add", bad);
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat(refused.body()).as(bad).startsWith("{\"message\": \"<Error> ").endsWith("\"status\": \"failure\"}");
        }
        assertThat(containers()).isEqualTo(before);
        assertThat(replicas()).containsExactly("server-1", "server-2", "server-3");
    }

    @Test
    @Order(3)
    void addAndRemoveCreateAndRemoveContainers() throws Exception {
        HttpResponse<String> added = send("POST", "/add", "{\"n\": 2, \"hostnames\": [\"S5\"]}");
        assertThat(added.statusCode()).isEqualTo(200);
        assertThat(added.body()).as("the /rep body after the change").isEqualTo(get("/rep").body());
        List<String> after = replicas();
        assertThat(after).hasSize(5).contains("S5");
        String random = after.get(4);
        assertThat(containers()).contains("S5", random);
        HttpResponse<String> removed = send("DELETE", "/rm", "{\"n\": 2, \"hostnames\": [\"S5\", \"" + random + "\"]}");
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(removed.body()).isEqualTo("{\"message\": {\"N\": 3, \"replicas\": [\"server-1\", \"server-2\", \"server-3\"]}, \"status\": \"successful\"}");
        assertThat(replicas()).containsExactly("server-1", "server-2", "server-3");
        assertThat(containers()).doesNotContain("S5", random);
    }

    @Test
    @Order(4)
    void aKilledContainerIsReplacedWithoutFailingAClientRequest() throws Exception {
        List<Long> recoveries = new ArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService traffic = Executors.newFixedThreadPool(8);
        long trafficDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        for (int t = 0; t < 8; t++) {
            traffic.execute(() -> {
                while (!stop.get() && System.nanoTime() < trafficDeadline) {
                    try {
                        HttpResponse<String> r = get("/home", ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
                        if (r.statusCode() == 200 && SERVED_BY.matcher(r.body()).find()) ok.incrementAndGet();
                        else failures.add(r.statusCode() + " " + r.body());
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            });
        }
        try {
            for (int kill = 0; kill < 5; kill++) {
                awaitStandbys(kill + 1, Duration.ofSeconds(60)); // one failure at a time: a standby is ready
                List<String> before = replicas();
                String victim = before.get(kill % before.size());
                long t0 = System.nanoTime();
                expectOk(run(Duration.ofSeconds(20), "docker", "kill", victim), "docker kill " + victim);
                String replacement = awaitReplacement(victim, Duration.ofSeconds(30));
                awaitServedBy(replacement, Duration.ofSeconds(30));
                recoveries.add((System.nanoTime() - t0) / 1_000_000);
                assertThat(replicas()).hasSize(3).doesNotContain(victim);
                assertThat(replacement).matches("replica-[a-z0-9]{5}");
            }
        } finally {
            stop.set(true);
            traffic.shutdown();
            traffic.awaitTermination(30, TimeUnit.SECONDS);
        }
        List<Long> sorted = recoveries.stream().sorted().toList();
        System.out.printf("DOCKER RECOVERY kill-to-serving ms: %s median=%d worst=%d; traffic ok=%d failed=%d%n",
                recoveries, sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), ok.get(), failures.size());
        assertThat(failures).as("client requests that failed while containers were killed").isEmpty();
        assertThat(ok.get()).isPositive();
    }

    @Test
    @Order(5)
    void aKilledLoadBalancersReplicasAreAdoptedByTheNextOneWithTheirRingIds() throws Exception {
        List<String> before = replicas();
        Map<String, String> containerIds = containerIds(before);
        Map<Integer, String> routing = routing();
        expectOk(run(Duration.ofSeconds(20), "docker", "kill", "lb"), "docker kill lb");
        long t0 = System.nanoTime();
        expectOk(run(Duration.ofMinutes(2), with(compose, "up", "-d")), "compose up after the kill");
        awaitRep(Duration.ofSeconds(90));
        long adoptedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(replicas()).as("the same replicas in the same order").isEqualTo(before);
        assertThat(containerIds(before)).as("the same containers, not new ones").isEqualTo(containerIds);
        Map<Integer, String> after = routing();
        long moved = routing.keySet().stream().filter(id -> !routing.get(id).equals(after.get(id))).count();
        System.out.printf("DOCKER ADOPTION compose up to serving: %d ms; %d replicas kept, %d of %d request ids moved%n",
                adoptedMs, before.size(), moved, routing.size());
        assertThat(moved).as("request ids served by another replica after the restart").isZero();
        assertThat(run(Duration.ofSeconds(20), "docker", "logs", "lb").out).contains("adopted 3 running replicas");
    }

    /** Which replica serves each of 300 request ids. */
    private static Map<Integer, String> routing() throws Exception {
        Map<Integer, String> served = new java.util.TreeMap<>();
        for (int i = 0; i < 300; i++) {
            int id = 100_000 + i * 2_999;
            Matcher m = SERVED_BY.matcher(get("/home", id).body());
            assertThat(m.find()).isTrue();
            served.put(id, m.group(1));
        }
        return served;
    }

    private static Map<String, String> containerIds(List<String> names) throws Exception {
        Map<String, String> ids = new java.util.TreeMap<>();
        for (String name : names) ids.put(name, run(Duration.ofSeconds(20), "docker", "inspect", "-f", "{{.Id}}", name).out.trim());
        return ids;
    }

    @Test
    @Order(6)
    void theManagementPortIsPublishedOnLoopbackOnlyWithMetricsAndTheDashboard() throws Exception {
        assertThat(run(Duration.ofSeconds(20), "docker", "port", "lb", "9901/tcp").out.trim()).isEqualTo("127.0.0.1:" + managementPort);
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("\nlb_replicas 3.0\n").contains("lb_requests_total{");
        HttpResponse<String> dashboard = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/dashboard"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(dashboard.statusCode()).isEqualTo(200);
        assertThat(dashboard.body()).contains("/dashboard/state");
    }

    @Test
    @Order(6)
    void httpsWithHttp2IsServedOnTheTlsPortAndARenewalWrittenIntoTheHostFileIsServed() throws Exception {
        assertThat(run(Duration.ofSeconds(20), "docker", "port", "lb", "5443/tcp").out.trim()).isEqualTo("127.0.0.1:" + tlsPort);
        HttpResponse<String> rep = overTls(tls.chain(), "/rep", 0);
        assertThat(rep.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(rep.body()).startsWith("{\"message\": {\"N\": ").endsWith("\"status\": \"successful\"}");
        HttpResponse<String> home = overTls(tls.chain(), "/home", 424_242);
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(SERVED_BY.matcher(home.body()).find()).as(home.body()).isTrue();

        // a renewal written into the host's files in place (the secret is a bind mount of the file, so in place is what it sees)
        Path dir = tls.chain().getParent();
        CertificateFiles renewal = TestCertificates.ec(2, "localhost").writeTo(dir.resolve("renewal.crt"), dir.resolve("renewal.key"), true);
        long written = System.nanoTime();
        Files.write(tls.chain(), Files.readAllBytes(renewal.chain()));
        Files.write(tls.key(), Files.readAllBytes(renewal.key()));
        org.awaitility.Awaitility.await("the renewal served").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> overTls(renewal.chain(), "/rep", 0).statusCode() == 200);
        System.out.printf("DOCKER TLS: HTTP/2 over TLS answered; a renewal written into the host file served after %d ms%n",
                (System.nanoTime() - written) / 1_000_000);
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/tls"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.body()).contains("/run/secrets/tls_cert").contains("localhost");
    }

    /** A GET through the TLS port by a fresh client that trusts only the certificate in {@code chain}. */
    private static HttpResponse<String> overTls(Path chain, String path, long requestId) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(TestCertificates.trusting(chain))
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + tlsPort + path)).timeout(Duration.ofSeconds(20));
        if (requestId > 0) request.header("X-Request-ID", String.valueOf(requestId));
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(7)
    void theAdminTokenComesFromTheEnvironmentNotTheImageAndGuardsAddAndRm() throws Exception {
        String imageEnv = run(Duration.ofSeconds(20), "docker", "image", "inspect", "-f", "{{json .Config.Env}}", "lb-lb:latest").out;
        String history = run(Duration.ofSeconds(20), "docker", "history", "--no-trunc", "lb-lb:latest").out;
        assertThat(imageEnv).as("the image's environment").contains("LB_RUNTIME=docker").doesNotContain("LB_ADMIN_TOKEN").doesNotContain(TOKEN);
        assertThat(history).as("the image's layers").doesNotContain(TOKEN);
        assertThat(run(Duration.ofSeconds(20), "docker", "inspect", "-f", "{{json .Config.Env}}", "lb").out)
                .as("the container's environment, from compose").contains("\"LB_ADMIN_TOKEN=" + TOKEN + "\"");

        String rep = get("/rep").body();
        Set<String> before = containers();
        for (String authorization : Arrays.asList(null, "Bearer wrong-" + TOKEN, "Basic " + TOKEN, "Bearer " + TOKEN.substring(1))) {
            for (String[] call : List.of(new String[] {"POST", "/add", "{\"n\": 1, \"hostnames\": [\"S9\"]}"},
                    new String[] {"DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"server-1\"]}"})) {
                HttpResponse<String> refused = send(call[0], call[1], call[2], authorization);
                assertThat(refused.statusCode()).as(call[1] + " with " + authorization).isEqualTo(401);
                assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
                assertThat(refused.body()).startsWith("{\"message\": \"<Error> ").endsWith("\"status\": \"failure\"}");
            }
        }
        assertThat(get("/rep").body()).as("nothing changed").isEqualTo(rep);
        assertThat(containers()).isEqualTo(before);

        HttpResponse<String> added = send("POST", "/add", "{\"n\": 1, \"hostnames\": [\"S9\"]}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        assertThat(containers()).contains("S9");
        HttpResponse<String> removed = send("DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"S9\"]}");
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
        assertThat(get("/rep").body()).isEqualTo(rep);
        assertThat(containers()).doesNotContain("S9");
    }

    @Test
    @Order(8)
    void dockerStopDrainsTheRequestsInFlightThenRemovesTheReplicas() throws Exception {
        stopUnderSlowRequests("DOCKER STOP", List.of("docker", "stop", "lb"));
        assertThat(run(Duration.ofSeconds(20), "docker", "logs", "lb").out).contains("draining").contains("drained in")
                .contains("removed the").contains("replica containers of 'lb'").contains("load balancer stopped");
        assertThat(run(Duration.ofSeconds(20), "docker", "inspect", "-f", "{{.State.ExitCode}}", "lb").out.trim())
                .as("java's exit status after SIGTERM (128 + 15), not Docker's SIGKILL (137)").isEqualTo("143");
    }

    @Test
    @Order(9)
    void makeDownDrainsTheRequestsInFlightThenRemovesEverything() throws Exception {
        expectOk(run(Duration.ofMinutes(2), with(compose, "up", "-d")), "compose up after docker stop");
        awaitRep(Duration.ofSeconds(90));
        assertThat(replicas()).hasSize(3);
        stopUnderSlowRequests("MAKE DOWN", List.of("make", "down"));
        assertThat(lines(run(Duration.ofSeconds(30), "docker", "ps", "-aq", "--filter", "name=^lb$"))).as("the lb container").isEmpty();
        assertThat(lines(run(Duration.ofSeconds(30), "docker", "network", "ls", "-q", "--filter", "name=^net1$"))).as("net1").isEmpty();
    }

    /**
     * {@value #SLOW_REQUESTS} requests of 3 s in flight (the replicas' /test/delay) when {@code stop} runs: every one
     * answered 200 by a replica, the load balancer says it drained, and no replica container is left.
     */
    private static void stopUnderSlowRequests(String what, List<String> stop) throws Exception {
        List<String> replicas = replicas();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        List<CompletableFuture<Long>> answeredAt = new ArrayList<>();
        for (int i = 0; i < SLOW_REQUESTS; i++) {
            CompletableFuture<HttpResponse<String>> answer = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/test/delay?ms=3000")).header("X-Request-ID", Integer.toString(100_000 + i * 7_919)).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            answers.add(answer);
            answeredAt.add(answer.thenApply(r -> System.nanoTime()));
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (inFlight() < SLOW_REQUESTS) {
            assertThat(System.nanoTime()).as(SLOW_REQUESTS + " requests in flight within 20 s").isLessThan(end);
            Thread.sleep(20);
        }
        long t0 = System.nanoTime();
        Result stopped = run(Duration.ofSeconds(90), stop);
        long stopMs = (System.nanoTime() - t0) / 1_000_000;
        expectOk(stopped, String.join(" ", stop));
        long lastAnswerMs = 0;
        for (int i = 0; i < SLOW_REQUESTS; i++) {
            HttpResponse<String> response = answers.get(i).get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(SERVED_BY.matcher(response.body()).find()).as(response.body()).isTrue();
            lastAnswerMs = Math.max(lastAnswerMs, (answeredAt.get(i).get() - t0) / 1_000_000);
        }
        List<String> left = labelledContainers();
        System.out.printf("%s with %d requests of 3 s in flight: all %d answered 200, the last %d ms after the stop began; '%s' took %d ms; "
                + "replica containers left: %s%n", what, SLOW_REQUESTS, SLOW_REQUESTS, lastAnswerMs, String.join(" ", stop), stopMs, left);
        assertThat(stopMs).as("well within the 30 s grace period: no SIGKILL").isLessThan(25_000);
        assertThat(left).as("replica containers of " + replicas).isEmpty();
    }

    /** {@code lb_inflight_requests} from the management port. */
    private static int inFlight() throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^lb_inflight_requests (\\S+)$").matcher(metrics);
        return m.find() ? (int) Double.parseDouble(m.group(1)) : -1;
    }

    // --- helpers ---

    private static String awaitReplacement(String victim, Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            List<String> now = replicas();
            if (!now.contains(victim) && now.size() == 3) return now.get(2);
            Thread.sleep(10);
        }
        throw new AssertionError(victim + " was not replaced within " + limit);
    }

    private static void awaitServedBy(String replica, Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            HttpResponse<String> r = get("/home", ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
            Matcher m = SERVED_BY.matcher(r.body());
            if (m.find() && m.group(1).equals(replica)) return;
        }
        throw new AssertionError(replica + " served no request within " + limit);
    }

    private static void awaitStandbys(int count, Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            String logs = run(Duration.ofSeconds(20), "docker", "logs", "lb").out;
            if (logs.lines().filter(l -> l.contains("standby") && l.contains("ready in")).count() >= count) return;
            Thread.sleep(200);
        }
        throw new AssertionError("standby " + count + " not ready within " + limit);
    }

    private static List<String> replicas() {
        try {
            String body = get("/rep").body();
            String list = body.substring(body.indexOf('[') + 1, body.indexOf(']'));
            return list.isBlank() ? List.of() : Arrays.stream(list.split(", ")).map(s -> s.replace("\"", "")).toList();
        } catch (Exception e) {
            throw new AssertionError("GET /rep failed", e);
        }
    }

    private static Set<String> containers() throws Exception {
        return Set.copyOf(lines(run(Duration.ofSeconds(20), "docker", "ps", "--format", "{{.Names}}")));
    }

    private static List<String> labelledContainers() throws Exception {
        return lines(run(Duration.ofSeconds(20), "docker", "ps", "--filter", "label=dev.clb.owner", "--format", "{{.Names}}"));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, int requestId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-Request-ID", String.valueOf(requestId))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An admin call with the stack's token. */
    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, body, "Bearer " + TOKEN);
    }

    /** An admin call with {@code authorization} as its Authorization header (none when null). */
    private static HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(60));
        if (authorization != null) request.header("Authorization", authorization);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
        List<String> places = lines(run(Duration.ofSeconds(20), "docker", "volume", "ls", "-q", "--filter", "label=dev.clb.owner"));
        if (!places.isEmpty()) run(Duration.ofSeconds(60), with(List.of("docker", "volume", "rm"), places.toArray(String[]::new)));
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

    private static Result run(Duration limit, List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        builder.environment().put("BASE_IMAGE", BASE_IMAGE);
        builder.environment().put("LB_HOST_PORT", String.valueOf(port));
        builder.environment().put("LB_MANAGEMENT_HOST_PORT", String.valueOf(managementPort));
        builder.environment().put("LB_TLS_HOST_PORT", String.valueOf(tlsPort));
        builder.environment().put("TLS_CERT", tls.chain().toString());
        builder.environment().put("TLS_KEY", tls.key().toString());
        builder.environment().put("LB_ADMIN_TOKEN", TOKEN);
        builder.environment().put("LB_REPLICA_ENV", "REPLICA_TEST_PATHS=true"); // the replicas' /test/delay, for the drain tests
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            return new Result(124, "timed out: " + command);
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
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

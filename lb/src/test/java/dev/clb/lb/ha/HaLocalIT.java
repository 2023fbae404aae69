package dev.clb.lb.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.lb.docker.Commands;
import dev.clb.lb.docker.Commands.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The replicated tier as scripts/ha-local.sh builds it: two load-balancer instances of one cluster on a three-member
 * etcd, each in a network namespace of its own, keepalived moving a virtual IP between them, replicas in Docker
 * containers. Real processes, real kill -9, a real engine. Traffic goes only to addresses in the namespaces and
 * networks the script creates. Skipped, saying why, where the script cannot run (exit 3: not root, no network
 * namespaces, keepalived, etcd or a Docker engine missing).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaLocalIT {
    private static final Pattern SERVED_BY = Pattern.compile("Hello from Server: ([^\"]+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** How long a client waits before its one retry on a new connection, as retrying clients back off. */
    private static final long RETRY_AFTER_MS = 300;
    private static final int REPLICAS = 3, STANDBYS = 1, LEASE_SECONDS = 3;
    private static final Commands commands = new Commands(Map.of());
    private static Map<String, String> env;
    private static final Map<Integer, String> pids = new HashMap<>();
    private static boolean attempted;

    @BeforeAll
    static void up() throws Exception {
        Result up = commands.run(Duration.ofMinutes(4), "scripts/ha-local.sh", "up");
        if (up.exitCode() == 3) System.err.println("HaLocalIT SKIPPED: " + up.out().trim());
        assumeTrue(up.exitCode() != 3, () -> "HA tests skipped: " + up.out().trim());
        attempted = true;
        up.expectOk("scripts/ha-local.sh up");
        env = environment(Commands.ROOT.resolve("target/ha-local.env"));
        pids.put(1, env.get("LB1_PID"));
        pids.put(2, env.get("LB2_PID"));
    }

    /** Also after an 'up' that failed or was cut off by its time limit: whatever it started goes, the containers too. */
    @AfterAll
    static void down() throws Exception {
        if (!attempted) return;
        commands.run(Duration.ofMinutes(1), "scripts/ha-local.sh", "down").expectOk("scripts/ha-local.sh down");
        if (env == null) return;
        for (String pid : pids.values()) assertThat(ProcessHandle.of(Long.parseLong(pid))).as("load balancer %s after down", pid).isEmpty();
        for (String pid : env.get("ETCD_PIDS").split(" ")) assertThat(ProcessHandle.of(Long.parseLong(pid))).as("etcd %s", pid).isEmpty();
        assertThat(commands.run(Duration.ofSeconds(10), "ip", "netns", "list").out()).doesNotContain("clb-ha");
        assertThat(commands.run(Duration.ofSeconds(10), "ip", "link", "show", "clb-ha0").exitCode()).isNotZero();
        assertThat(containers()).as("replica containers after down").isEmpty();
    }

    /**
     * Both instances route by the ring in etcd: the same digest, revision and leader on /ring, and 10000 request ids
     * sent through each land on the same replica. Every one, but for those an instance sent elsewhere on its own: a
     * retry after an attempt failed or missed its deadline (on a machine at load 20 a replica can stall that long),
     * counted by the instances' {@code lb_upstream_retries_total}; the table did not change meanwhile.
     */
    @Test
    @Order(1)
    void bothInstancesServeTheSameTableAndSendEveryIdAlike() throws Exception {
        // the leader may still be writing (its standby came up just after 'up'): both on one revision within moments
        Awaitility.await("both instances on one revision").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> ring(1).get("revision").equals(ring(2).get("revision")));
        JsonNode first = ring(1), second = ring(2);
        assertThat(first.get("replicas")).hasSize(REPLICAS);
        assertThat(second.get("digest")).isEqualTo(first.get("digest"));
        assertThat(second.get("revision")).isEqualTo(first.get("revision"));
        assertThat(second.get("leader").asText()).isEqualTo(first.get("leader").asText()).isIn("lb1", "lb2");
        double retriesBefore = retries(1) + retries(2);
        Map<Integer, String> one = servedBy(env.get("LB1"), 10_000), two = servedBy(env.get("LB2"), 10_000);
        double retried = retries(1) + retries(2) - retriesBefore;
        List<Integer> differ = one.keySet().stream().filter(id -> !one.get(id).equals(two.get(id))).sorted().toList();
        System.out.printf("HaLocalIT: %d of %d request ids went to the same replica through both instances; %.0f retries meanwhile%s%n",
                one.size() - differ.size(), one.size(), retried, differ.isEmpty() ? ""
                        : "; differing: " + differ.stream().limit(5).map(id -> id * 7919 + " " + one.get(id) + "/" + two.get(id)).toList());
        assertThat(Set.copyOf(one.values())).hasSize(REPLICAS);
        assertThat(ring(1).get("digest")).as("the table, after").isEqualTo(first.get("digest")).isEqualTo(ring(2).get("digest"));
        assertThat((double) differ.size()).as("ids sent to different replicas").isLessThanOrEqualTo(retried);
    }

    /** {@code lb_upstream_retries_total} of an instance, summed over its replicas. */
    private static double retries(int instance) throws IOException, InterruptedException {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://" + env.get("MGMT" + instance) + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(line -> line.startsWith("lb_upstream_retries_total"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /**
     * {@code /add} and {@code /rm} sent to the instance that does not lead are passed on to the leader and answered as
     * the contract says; after each, both instances serve the new table (the same digest) within 200 ms of the answer.
     * A refused change through it is the leader's refusal, byte for byte.
     */
    @Test
    @Order(2)
    void changesThroughEitherInstanceReachEveryInstanceAtOnce() throws Exception {
        int follower = leaderInstance() == 1 ? 2 : 1;
        HttpResponse<String> added = admin(follower, "POST", "/add", "{\"n\": 1, \"hostnames\": [\"extra-1\"]}");
        long answeredAt = System.nanoTime();
        assertThat(added.statusCode()).isEqualTo(200);
        assertThat(added.body()).startsWith("{\"message\": {\"N\": " + (REPLICAS + 1) + ", \"replicas\": [").contains("\"extra-1\"")
                .endsWith("]}, \"status\": \"successful\"}");
        long agreedAfter = agreementAfter(answeredAt, REPLICAS + 1);

        HttpResponse<String> refusedThere = admin(follower, "POST", "/add", "{\"n\": 1, \"hostnames\": [\"extra-1\"]}");
        HttpResponse<String> refusedHere = admin(leaderInstance(), "POST", "/add", "{\"n\": 1, \"hostnames\": [\"extra-1\"]}");
        assertThat(refusedThere.statusCode()).isEqualTo(400).isEqualTo(refusedHere.statusCode());
        assertThat(refusedThere.body()).isEqualTo(refusedHere.body()).isEqualTo(
                "{\"message\": \"<Error> Hostname 'extra-1' is already in use\", \"status\": \"failure\"}");

        HttpResponse<String> removed = admin(follower, "DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"extra-1\"]}");
        long removedAt = System.nanoTime();
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(removed.body()).startsWith("{\"message\": {\"N\": " + REPLICAS + ", ").doesNotContain("extra-1");
        long agreedAfterRemoval = agreementAfter(removedAt, REPLICAS);
        System.out.printf("HaLocalIT: both instances served the same digest %.0f ms after /add answered, %.0f ms after /rm%n",
                agreedAfter / 1e6, agreedAfterRemoval / 1e6);
        assertThat(agreedAfter).isLessThan(Duration.ofMillis(200).toNanos());
        assertThat(agreedAfterRemoval).isLessThan(Duration.ofMillis(200).toNanos());
    }

    /**
     * Nanoseconds from {@code since} until both instances' /ring showed {@code n} replicas and one digest: to when the
     * first /ring request that showed it was sent (each instance routes by the ring from its install on; /ring then
     * computes the digest of a new ring once, a pass over every six-digit id).
     */
    private static long agreementAfter(long since, int n) {
        long[] askedAt = new long[1];
        Awaitility.await("both instances on one digest").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
            askedAt[0] = System.nanoTime();
            JsonNode first = ring(1), second = ring(2);
            return first.get("replicas").size() == n && first.get("digest").equals(second.get("digest"));
        });
        return askedAt[0] - since;
    }

    /**
     * etcd loses one member of three: nothing changes for anyone. It loses two (no quorum): requests through both
     * instances go on without a failure, by the ring they have; {@code /add} answers 503 saying why. The members back:
     * {@code /add} works again, and no instance was restarted.
     */
    @Test
    @Order(3)
    void etcdWithoutQuorumStopsChangesButNoRequest() throws Exception {
        String digest = ring(1).get("digest").asText();
        etcd("etcd-kill", 3);
        assertThat(admin(leaderInstance(), "POST", "/add", "{\"n\": 1, \"hostnames\": [\"quorum-1\"]}").statusCode()).isEqualTo(200);
        assertThat(admin(leaderInstance(), "DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"quorum-1\"]}").statusCode()).isEqualTo(200);

        etcd("etcd-kill", 2);
        long lostAt = System.nanoTime();
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        List<Thread> clients = loadOn(List.of(env.get("LB1"), env.get("LB2")), Duration.ofSeconds(8), false, outcomes);
        HttpResponse<String> refused = Awaitility.await("a refusal without quorum").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> admin(1, "POST", "/add", "{\"n\": 1, \"hostnames\": [\"quorum-2\"]}"), answer -> answer.statusCode() == 503);
        System.out.printf("HaLocalIT: without quorum /add answered 503 %.1f s after the second member died: %s%n",
                (System.nanoTime() - lostAt) / 1e9, refused.body());
        assertThat(refused.body()).startsWith("{\"message\": \"<Error> ").containsAnyOf("etcd", "leads").endsWith("\"status\": \"failure\"}");
        for (Thread client : clients) client.join(Duration.ofSeconds(30).toMillis());
        assertThat(outcomes).hasSizeGreaterThan(100);
        assertThat(outcomes.stream().filter(o -> !o.firstTry()).count()).as("requests that failed without quorum").isZero();
        assertThat(ring(1).get("digest").asText()).isEqualTo(ring(2).get("digest").asText()).isEqualTo(digest);

        etcd("etcd-start", 2);
        etcd("etcd-start", 3);
        long backAt = System.nanoTime();
        HttpResponse<String> added = Awaitility.await("/add with quorum back").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> admin(1, "POST", "/add", "{\"n\": 1, \"hostnames\": [\"quorum-3\"]}"), answer -> answer.statusCode() == 200);
        System.out.printf("HaLocalIT: /add worked again %.1f s after the members came back%n", (System.nanoTime() - backAt) / 1e9);
        assertThat(added.body()).contains("quorum-3");
        assertThat(admin(1, "DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"quorum-3\"]}").statusCode()).isEqualTo(200);
        for (String pid : pids.values()) assertThat(ProcessHandle.of(Long.parseLong(pid))).as("instance %s not restarted", pid).isPresent();
    }

    /**
     * The leader killed -9 under load, and a replica killed while no instance leads: the other instance leads within
     * the lease + 1 s, then replaces the replica; the engine then runs exactly N replicas and the standbys (no vacancy
     * filled twice); requests sent through the surviving instance all succeed.
     */
    @Test
    @Order(4)
    void whenTheLeaderDiesTheOtherLeadsAndReplacesWhatDiedMeanwhile() throws Exception {
        int leader = leaderInstance(), survivor = leader == 1 ? 2 : 1;
        String victim = ring(survivor).get("replicas").get(1).get("hostname").asText();
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        List<Thread> clients = loadOn(List.of(env.get("LB" + survivor)), Duration.ofSeconds(12), false, outcomes);
        Thread.sleep(1_000);
        long killedAt = System.nanoTime();
        ProcessHandle.of(Long.parseLong(pids.get(leader))).orElseThrow().destroyForcibly();
        commands.run(Duration.ofSeconds(20), "docker", "kill", env.get("OWNER") + "-" + victim).expectOk("docker kill " + victim);
        Awaitility.await("the survivor leads").atMost(Duration.ofSeconds(LEASE_SECONDS + 10)).pollInterval(Duration.ofMillis(20))
                .until(() -> cluster(survivor).get("leads").asBoolean());
        long ledAfter = System.nanoTime() - killedAt;
        Awaitility.await("the replica replaced").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> !ring(survivor).toString().contains("\"" + victim + "\"") && ring(survivor).get("replicas").size() == REPLICAS);
        for (Thread client : clients) client.join(Duration.ofSeconds(30).toMillis());
        Awaitility.await("N replicas and the standbys on the engine").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> containers().size() == REPLICAS + STANDBYS);
        Thread.sleep(3_000); // a vacancy filled twice would show as one container more by now
        List<String> running = containers();
        System.out.printf("HaLocalIT: the leader killed; the other led %.2f s later; %s replaced; %d requests through it, %d failed; "
                + "the engine runs %s%n", ledAfter / 1e9, victim, outcomes.size(), outcomes.stream().filter(o -> !o.firstTry()).count(), running);
        assertThat(ledAfter).isLessThan(Duration.ofSeconds(LEASE_SECONDS + 1).toNanos());
        assertThat(running).hasSize(REPLICAS + STANDBYS);
        assertThat(outcomes).hasSizeGreaterThan(100);
        assertThat(outcomes.stream().filter(o -> !o.firstTry()).count()).as("requests through the survivor that failed").isZero();
        restart(leader);
        assertThat(ring(leader).get("digest")).isEqualTo(ring(survivor).get("digest"));
    }

    /**
     * The instance holding the virtual IP killed -9 while clients send requests there on keep-alive connections: the
     * other holds the address within 1 s; a request that fails (on the dead instance's connections, or on a new one in
     * the instant before the address moved) is sent once more on a new connection after {@link #RETRY_AFTER_MS}, and
     * that retry never fails.
     */
    @Test
    @Order(5)
    void theOtherInstanceTakesTheVirtualIpWhenTheHolderIsKilled() throws Exception {
        int holder = holder();
        String[] vip = env.get("VIP").split(":");
        InetSocketAddress address = new InetSocketAddress(vip[0], Integer.parseInt(vip[1]));
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        List<Thread> clients = loadOn(List.of(env.get("VIP")), Duration.ofSeconds(6), true, outcomes);
        Thread.sleep(2_000);
        long killedAt = System.nanoTime();
        ProcessHandle.of(Long.parseLong(pids.get(holder))).orElseThrow().destroyForcibly(); // SIGKILL
        long servedAgainNanos = firstAnswerOnANewConnection(address) - killedAt;
        for (Thread client : clients) client.join(Duration.ofSeconds(30).toMillis());

        List<Outcome> all = List.copyOf(outcomes);
        System.out.printf("HaLocalIT: %d requests; %d failed on the first try, %d after one retry %d ms later; the virtual IP answered "
                        + "a new connection %.0f ms after the kill%n", all.size(), all.stream().filter(o -> !o.firstTry()).count(),
                all.stream().filter(o -> !o.retried()).count(), RETRY_AFTER_MS, servedAgainNanos / 1e6);
        assertThat(all.stream().filter(o -> o.startNanos() < killedAt)).hasSizeGreaterThan(100);
        assertThat(all.stream().filter(o -> !o.retried()).count()).as("requests that failed on their retry too").isZero();
        assertThat(all.stream().filter(o -> !o.firstTry()).count()).as("first tries that failed: at most one per client").isLessThanOrEqualTo(4);
        assertThat(servedAgainNanos).isLessThan(Duration.ofSeconds(1).toNanos());
        assertThat(holder()).isEqualTo(holder == 1 ? 2 : 1);
        restart(holder);
    }

    /**
     * Both instances restarted one after the other under load on the virtual IP, as the operations guide says (the
     * virtual IP moved off the instance, SIGTERM: it drains and resigns; started again, serving): a client that retries
     * once sees no failure, and no request id moves (the same digest, the same replica for each id).
     */
    @Test
    @Order(6)
    void aRollingRestartUnderLoadFailsNothingAndMovesNoId() throws Exception {
        Map<Integer, String> before = servedBy(env.get("VIP"), 2_000);
        String digest = ring(1).get("digest").asText();
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        List<Thread> clients = loadOn(List.of(env.get("VIP")), Duration.ofSeconds(90), true, outcomes);
        for (int instance : List.of(1, 2)) {
            commands.run(Duration.ofMinutes(2), "scripts/ha-local.sh", "lb-stop", String.valueOf(instance)).expectOk("lb-stop " + instance);
            restart(instance);
        }
        for (Thread client : clients) client.interrupt();
        for (Thread client : clients) client.join(Duration.ofSeconds(30).toMillis());
        Map<Integer, String> after = servedBy(env.get("VIP"), 2_000);
        long moved = before.keySet().stream().filter(id -> !before.get(id).equals(after.get(id))).count();
        List<Outcome> all = List.copyOf(outcomes);
        System.out.printf("HaLocalIT: rolling restart: %d requests, %d failed on the first try, %d after one retry; %d of %d ids moved%n",
                all.size(), all.stream().filter(o -> !o.firstTry()).count(), all.stream().filter(o -> !o.retried()).count(), moved, before.size());
        assertThat(all).hasSizeGreaterThan(100);
        assertThat(all.stream().filter(o -> !o.retried()).count()).as("requests that failed on their retry too").isZero();
        assertThat(moved).isZero();
        assertThat(ring(1).get("digest").asText()).isEqualTo(ring(2).get("digest").asText()).isEqualTo(digest);
    }

    private static void restart(int instance) throws Exception {
        Result started = commands.run(Duration.ofMinutes(3), "scripts/ha-local.sh", "lb-start", String.valueOf(instance))
                .expectOk("lb-start " + instance);
        List<String> lines = started.lines();
        pids.put(instance, lines.get(lines.size() - 1));
    }

    private static void etcd(String action, int member) throws InterruptedException {
        commands.run(Duration.ofSeconds(30), "scripts/ha-local.sh", action, String.valueOf(member)).expectOk(action + " " + member);
    }

    record Outcome(long startNanos, boolean firstTry, boolean retried) {
    }

    /** Four clients per address for {@code limit} (or until interrupted), each failure retried once on a new connection when {@code retry}. */
    private static List<Thread> loadOn(List<String> hostPorts, Duration limit, boolean retry, ConcurrentLinkedQueue<Outcome> outcomes) {
        long end = System.nanoTime() + limit.toNanos();
        List<Thread> clients = new ArrayList<>();
        int c = 0;
        for (String hostPort : hostPorts) {
            String[] parts = hostPort.split(":");
            InetSocketAddress address = new InetSocketAddress(parts[0], Integer.parseInt(parts[1]));
            for (int i = 0; i < 4; i++, c++) {
                int client = c;
                Thread thread = new Thread(() -> load(address, client, end, retry, outcomes));
                thread.start();
                clients.add(thread);
            }
        }
        return clients;
    }

    /**
     * When a request on a new connection to {@code address} was first answered, trying every 5 ms for up to 5 s. Each
     * try waits 100 ms at most for the connection and 200 ms for the answer: a packet sent while the address is between
     * holders is lost, and the kernel would send it again only after a second or more, which would measure TCP's
     * retransmission rather than the move.
     */
    private static long firstAnswerOnANewConnection(InetSocketAddress address) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() - end < 0) {
            try (Socket socket = connect(address, 100)) {
                socket.setSoTimeout(200);
                get(socket, 42);
                return System.nanoTime();
            } catch (IOException e) {
                Thread.sleep(5);
            }
        }
        throw new AssertionError("the virtual IP answered no new connection within 5 s of the kill");
    }

    /** Requests to {@code address} on a keep-alive connection until {@code end}, each failure retried once on a new connection when {@code retry}. */
    private static void load(InetSocketAddress address, int client, long end, boolean retry, ConcurrentLinkedQueue<Outcome> outcomes) {
        Socket socket = null;
        for (int i = 0; i < 1_000_000 && System.nanoTime() < end && !Thread.currentThread().isInterrupted(); i++) {
            long start = System.nanoTime();
            int id = client * 1_000_000 + i;
            try {
                if (socket == null) socket = connect(address);
                get(socket, id);
                outcomes.add(new Outcome(start, true, true));
            } catch (IOException e) {
                close(socket);
                socket = null;
                if (!retry) {
                    outcomes.add(new Outcome(start, false, false));
                    continue;
                }
                try {
                    Thread.sleep(RETRY_AFTER_MS);
                    socket = connect(address);
                    get(socket, id);
                    outcomes.add(new Outcome(start, false, true));
                } catch (IOException again) {
                    close(socket);
                    socket = null;
                    outcomes.add(new Outcome(start, false, false));
                } catch (InterruptedException interrupted) {
                    break;
                }
            }
        }
        close(socket);
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        return connect(address, 2_000);
    }

    private static Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, timeoutMillis);
        socket.setSoTimeout(2_000);
        return socket;
    }

    /** One GET /home for request id {@code id} on {@code socket}; its answer's body. */
    private static String get(Socket socket, int id) throws IOException {
        return exchange(socket, "GET /home HTTP/1.1\r\nHost: vip\r\nX-Request-ID: " + id + "\r\n\r\n");
    }

    /** Sends {@code request} on {@code socket}; the answer's body, read whole by its Content-Length, when it is a 200. */
    private static String exchange(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("closed before the answer's head");
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 200")) throw new IOException("answered " + head.toString().lines().findFirst().orElse(""));
        Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        if (!length.find()) throw new IOException("no Content-Length");
        byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
        if (body.length < Integer.parseInt(length.group(1))) throw new IOException("closed in the body");
        return new String(body, StandardCharsets.UTF_8);
    }

    private static void close(Socket socket) {
        try {
            if (socket != null) socket.close();
        } catch (IOException ignored) {
            // closing a connection that already failed
        }
    }

    /**
     * Which replica {@code count} request ids go to through {@code hostPort}, on a keep-alive connection; a request
     * answered with an error (an instance that found no replica answering at a stall of the busy machine: 503 once
     * under a full run) is sent once more on a new connection 300 ms later, as a retrying client does, and counted.
     */
    private static Map<Integer, String> servedBy(String hostPort, int count) throws IOException, InterruptedException {
        String[] parts = hostPort.split(":");
        InetSocketAddress address = new InetSocketAddress(parts[0], Integer.parseInt(parts[1]));
        Map<Integer, String> servedBy = new HashMap<>();
        int retried = 0;
        Socket socket = connect(address);
        try {
            for (int id = 1; id <= count; id++) {
                String body;
                try {
                    body = get(socket, id * 7919);
                } catch (IOException e) {
                    retried++;
                    System.out.printf("HaLocalIT: id %d through %s: %s; sent again%n", id * 7919, hostPort, e.getMessage());
                    close(socket);
                    Thread.sleep(RETRY_AFTER_MS);
                    socket = connect(address);
                    body = get(socket, id * 7919);
                }
                Matcher server = SERVED_BY.matcher(body);
                assertThat(server.find()).isTrue();
                servedBy.put(id, server.group(1));
            }
        } finally {
            close(socket);
        }
        assertThat(retried).as("requests sent again through %s", hostPort).isLessThanOrEqualTo(count / 1000);
        return servedBy;
    }

    private static JsonNode ring(int instance) throws IOException, InterruptedException {
        return management(instance, "/ring");
    }

    private static JsonNode cluster(int instance) throws IOException, InterruptedException {
        return management(instance, "/cluster");
    }

    private static JsonNode management(int instance, String path) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://" + env.get("MGMT" + instance) + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(answer.body());
    }

    private static HttpResponse<String> admin(int instance, String method, String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + env.get("LB" + instance) + path)).timeout(Duration.ofSeconds(90))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The instance (1 or 2) that leads, as the first instance sees it. */
    private static int leaderInstance() throws IOException, InterruptedException {
        String leader = Awaitility.await("a leader").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> cluster(1).path("leader").asText(""), id -> id.equals("lb1") || id.equals("lb2"));
        return leader.equals("lb1") ? 1 : 2;
    }

    /** The replica containers running on the engine (names). */
    private static List<String> containers() throws InterruptedException {
        return commands.run(Duration.ofSeconds(20), "docker", "ps", "-q", "--filter", "label=dev.clb.owner=" + (env == null ? "clb-ha" : env.get("OWNER")))
                .expectOk("docker ps").lines();
    }

    /** The instance holding the virtual IP, once one does (after a restart the two may briefly both be backups). */
    private static int holder() {
        String holder = Awaitility.await("a holder of the virtual IP").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> commands.run(Duration.ofSeconds(10), "scripts/ha-local.sh", "holder").expectOk("holder").out().trim(),
                        h -> h.equals("clb-ha1") || h.equals("clb-ha2"));
        return holder.equals("clb-ha1") ? 1 : 2;
    }

    /** The shell assignments of target/ha-local.env, quotes taken off. */
    private static Map<String, String> environment(Path file) throws IOException {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) env.put(line.substring(0, eq), line.substring(eq + 1).replace("\"", "").trim());
        }
        return env;
    }
}

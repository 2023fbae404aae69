package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration file reloaded live, on a child load balancer with three local replicas: a strategy change under
 * load (no error, no connection closed, /ring showing it soon after SIGHUP), a reload that changes a fixed key or holds
 * a bad value refused with nothing changed, a file refused at start, and the dry run's moved fraction against the ids
 * then measured.
 */
class ConfigReloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @Test
    void aStrategyChangeUnderLoadDropsNothingAndShowsAtOnce() throws Exception {
        Path file = write("strategy: slots\n");
        try (LoadBalancerChild lb = LoadBalancerChild.start("--config", file.toString(), "--access-log", "off", "--replicas", "3")) {
            int port = lb.port(Duration.ofSeconds(60));
            int management = lb.managementPort(Duration.ofSeconds(5));
            assertThat(ring(management).get("configRevision").asLong()).isEqualTo(1);
            String hashBefore = ring(management).get("configHash").asText();
            Load load = new Load(port, 4);
            load.start();
            await("requests answered before the reload").atMost(Duration.ofSeconds(10)).until(() -> load.answered.get() > 20);
            write("strategy: maglev\n");
            java.time.LocalTime signalledAt = java.time.LocalTime.now();
            long answeredBefore = load.answered.get();
            long signalled = System.nanoTime();
            hup(lb);
            // the time to /ring is measured and printed, not asserted: the target is 100 ms, and a test timed on a shared machine fails for the machine
            long shownNanos = 0;
            while (shownNanos == 0) {
                if (ring(management).get("strategy").asText().equals("maglev")) shownNanos = System.nanoTime() - signalled;
                else if (System.nanoTime() - signalled > 10_000_000_000L) break;
            }
            long answeredAtSwap = load.answered.get();
            await("requests answered after the swap").atMost(Duration.ofSeconds(10)).until(() -> load.answered.get() > answeredAtSwap + 20);
            load.stop();
            lb.stderr().stream().filter(line -> line.contains("configuration reload")).forEach(line -> System.out.printf("%s (%d ms after the SIGHUP)%n",
                    line, java.time.Duration.between(signalledAt, java.time.LocalTime.parse(line.substring(0, 12))).toMillis()));
            System.out.printf("reload slots -> maglev under load: /ring showed maglev %.1f ms after SIGHUP; %d requests, %d errors, %d connections opened by %d clients%n",
                    shownNanos / 1e6, load.answered.get(), load.errors.get(), load.connections.get(), load.clients);
            assertThat(shownNanos).as("/ring shows maglev").isPositive();
            assertThat(answeredBefore).as("requests answered before the SIGHUP").isPositive();
            assertThat(load.connections.get()).as("connections the clients had to open: one each, none closed by the reload").isEqualTo(load.clients);
            assertThat(load.errors.get()).as("failed requests").isZero();
            JsonNode ring = ring(management);
            assertThat(ring.get("configRevision").asLong()).isEqualTo(2);
            assertThat(ring.get("configHash").asText()).hasSize(64).isNotEqualTo(hashBefore);
            assertThat(metric(management, "lb_config_reloads_total{result=\"applied\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void aReloadChangingAFixedKeyOrHoldingABadValueIsRefusedAndChangesNothing() throws Exception {
        Path file = write("strategy: slots\nbounded-load: 1.25\n");
        try (LoadBalancerChild lb = LoadBalancerChild.start("--config", file.toString(), "--access-log", "off", "--replicas", "2", "--standby", "0")) {
            lb.port(Duration.ofSeconds(60));
            int management = lb.managementPort(Duration.ofSeconds(5));
            assertThat(metric(management, "lb_config_reloads_total{result=\"refused\"}")).isZero();
            String hash = ring(management).get("configHash").asText();

            write("strategy: maglev\nbounded-load: 1.25\nio-threads: 3\nmetrics-retention: 5000\n");
            hup(lb);
            awaitLogged(lb, "refused, nothing changed: only a restart changes io-threads, metrics-retention");
            assertUnchanged(management, hash);

            write("strategy: nope\nbounded-load: 1.25\n");
            hup(lb);
            awaitLogged(lb, "refused, nothing changed: " + file + ": strategy: --strategy: unknown strategy 'nope'");
            assertUnchanged(management, hash);

            write("strategy: slots\nbounded-load: 1.25\nno-such-key: 1\n");
            hup(lb);
            awaitLogged(lb, "refused, nothing changed: " + file + ": unknown key 'no-such-key'");
            assertUnchanged(management, hash);
            assertThat(metric(management, "lb_config_reloads_total{result=\"refused\"}")).isGreaterThanOrEqualTo(3.0);
            assertThat(metric(management, "lb_config_reloads_total{result=\"applied\"}")).isZero();
        }
    }

    @Test
    void aBadFileIsRefusedAtStartNamingTheFileAndTheKey() throws Exception {
        Path file = write("strategy: slots\nbounded-load: 0.5\n");
        try (LoadBalancerChild lb = LoadBalancerChild.start("--config", file.toString())) {
            assertThat(lb.process.waitFor()).isEqualTo(2);
            assertThat(String.join("\n", lb.stderr())).contains(file + ": bounded-load: --bounded-load");
        }
        Path unknown = write("stratgy: maglev\n");
        try (LoadBalancerChild lb = LoadBalancerChild.start("--config", unknown.toString())) {
            assertThat(lb.process.waitFor()).isEqualTo(2);
            assertThat(String.join("\n", lb.stderr())).contains(unknown + ": unknown key 'stratgy'");
        }
    }

    @Test
    void theDryRunPredictsTheMovedFractionThatIsThenMeasured() throws Exception {
        Path file = write("strategy: slots\n");
        try (LoadBalancerChild lb = LoadBalancerChild.start("--config", file.toString(), "--access-log", "off", "--replicas", "3", "--standby", "0")) {
            int port = lb.port(Duration.ofSeconds(60));
            int management = lb.managementPort(Duration.ofSeconds(5));
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/config/check"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"strategy\": \"maglev\"}")).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode check = JSON.readTree(answer.body());
            System.out.println("dry run: " + answer.body());
            assertThat(check.get("refused").asBoolean()).isFalse();
            assertThat(check.get("changed").toString()).contains("strategy");
            double predicted = check.get("moves").get("movedFraction").asDouble();
            assertThat(check.get("moves").get("compared").asLong()).isEqualTo(900_000);
            assertThat(ring(management).get("strategy").asText()).as("the dry run changes nothing").isEqualTo("slots");
            JsonNode refused = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/config/check"))
                    .POST(HttpRequest.BodyPublishers.ofString("strategy: maglev\nio-threads: 3\n")).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(refused.get("refused").asBoolean()).isTrue();
            assertThat(refused.get("reasons").toString()).contains("only a restart changes io-threads");

            long[] ids = new Random(22).longs(3000, 100_000, 1_000_000).toArray();
            int[] before = ringIds(port, management, ids);
            write("strategy: maglev\n");
            hup(lb);
            await().atMost(Duration.ofSeconds(5)).until(() -> ring(management).get("strategy").asText().equals("maglev"));
            int[] after = ringIds(port, management, ids);
            int moved = 0;
            for (int i = 0; i < ids.length; i++) if (before[i] != after[i]) moved++;
            double measured = (double) moved / ids.length;
            double sigma = Math.sqrt(predicted * (1 - predicted) / ids.length);
            System.out.printf("dry run predicted %.4f of the ids move, measured %d of %d = %.4f (%.1f sigma)%n", predicted, moved, ids.length, measured,
                    Math.abs(measured - predicted) / sigma);
            assertThat(Math.abs(measured - predicted)).as("within 4 sigma (%.4f)", sigma).isLessThanOrEqualTo(4 * sigma);
        }
    }

    private static void awaitLogged(LoadBalancerChild lb, String text) {
        await(text).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> lb.stderr().stream().anyMatch(line -> line.contains(text)));
    }

    private void assertUnchanged(int management, String hash) throws Exception {
        JsonNode ring = ring(management);
        assertThat(ring.get("strategy").asText()).isEqualTo("slots");
        assertThat(ring.get("configRevision").asLong()).isEqualTo(1);
        assertThat(ring.get("configHash").asText()).isEqualTo(hash);
    }

    /** The ring id that answered each id, by the hostname in the answer and /ring's ring ids. */
    private static int[] ringIds(int port, int management, long[] ids) throws Exception {
        Map<String, Integer> byHost = new HashMap<>();
        ring(management).get("replicas").forEach(r -> byHost.put(r.get("hostname").asText(), r.get("ringId").asInt()));
        int[] ringIds = new int[ids.length];
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < ids.length; i++) {
                out.write(("GET /home HTTP/1.1\r\nHost: lb\r\nX-Request-Id: " + ids[i] + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String head = RawHttp.readHead(in);
                String body = new String(RawHttp.readBody(in, RawHttp.headers(head)), StandardCharsets.UTF_8);
                String host = JSON.readTree(body).get("message").asText().replace("Hello from Server: ", "");
                ringIds[i] = byHost.get(host);
            }
        }
        return ringIds;
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("lb.yaml");
        Path next = dir.resolve("lb.yaml.next");
        Files.writeString(next, yaml);
        return Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void hup(LoadBalancerChild lb) throws Exception {
        assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(lb.process.pid())).start().waitFor()).isZero();
    }

    private static JsonNode ring(int management) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/ring")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private static double metric(int management, String series) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
        }
        throw new AssertionError(series + " not in /metrics");
    }

    /** Clients each on one keep-alive connection, sending GETs in a loop; a connection that closes is opened again and counted. */
    private static final class Load {
        final int clients;
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicLong answered = new AtomicLong();
        private final int port;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Load(int port, int clients) {
            this.port = port;
            this.clients = clients;
        }

        void start() {
            for (int c = 0; c < clients; c++) {
                Thread thread = new Thread(this::run, "load-" + c);
                threads.add(thread);
                thread.start();
            }
        }

        private void run() {
            Random random = new Random();
            while (running.get()) {
                connections.incrementAndGet();
                try (Socket socket = new Socket("127.0.0.1", port)) {
                    socket.setSoTimeout(5_000);
                    OutputStream out = socket.getOutputStream();
                    InputStream in = socket.getInputStream();
                    while (running.get()) {
                        out.write(("GET /home HTTP/1.1\r\nHost: lb\r\nX-Request-Id: " + random.nextInt(100_000, 1_000_000) + "\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        String head = RawHttp.readHead(in);
                        if (head == null) {
                            errors.incrementAndGet();
                            break;
                        }
                        RawHttp.readBody(in, RawHttp.headers(head));
                        if (!head.startsWith("HTTP/1.1 200")) errors.incrementAndGet();
                        else answered.incrementAndGet();
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) thread.join(10_000);
        }
    }
}

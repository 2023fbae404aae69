package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** SIGTERM to the load balancer process: no new connections, the requests in flight finish, then the replicas stop. */
class GracefulShutdownTest {
    private static final int REQUESTS = 10;

    @Test
    void sigtermLetsRequestsInFlightFinishRefusesNewConnectionsAndLeavesNoReplica() throws Exception {
        try (LoadBalancerChild lb = LoadBalancerChild.start("--replicas", "2", "--standby", "0", "--drain-timeout", "20000",
                "--replica-env", "REPLICA_TEST_PATHS=true")) {
            int port = lb.port(Duration.ofSeconds(60));
            int management = lb.managementPort(Duration.ofSeconds(10));
            List<ProcessHandle> replicas = lb.replicas();
            assertThat(replicas).hasSize(2);

            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/test/delay?ms=3000"))
                        .header("X-Request-ID", Integer.toString(100_000 + i)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            Awaitility.await(REQUESTS + " requests in flight").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> PrometheusScrape.of(management).sum("lb_inflight_requests") == REQUESTS);

            long sigterm = System.nanoTime();
            lb.process.destroy();
            Awaitility.await("new connections refused").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> refuses(port));
            long refusedAfter = millisSince(sigterm);
            assertThat(answers).as("refused while the requests are still in flight").noneMatch(CompletableFuture::isDone);
            assertThat(lb.process.isAlive()).as("still draining").isTrue();

            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get(30, TimeUnit.SECONDS);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                assertThat(response.body()).contains("Hello from Server");
            }
            long answeredAfter = millisSince(sigterm);
            assertThat(lb.process.waitFor(30, TimeUnit.SECONDS)).as("load balancer exits").isTrue();
            Awaitility.await("no replica left").atMost(Duration.ofSeconds(10)).until(() -> replicas.stream().noneMatch(ProcessHandle::isAlive));
            System.out.printf("DRAIN refused new connections %d ms after SIGTERM, all %d answered (200) after %d ms, exited after %d ms%n",
                    refusedAfter, REQUESTS, answeredAfter, millisSince(sigterm));
            assertThat(lb.stdout().stream().filter(l -> l.contains(" GET /test/delay?ms=3000 HTTP/1.1 200 ")))
                    .as("the access log, written out before exit: " + lb.stdout()).hasSize(REQUESTS);
            assertThat(String.join("\n", lb.stderr())).contains("draining").contains("drained in");
        }
    }

    /**
     * 48 clients on keep-alive connections of their own (raw sockets, so that no client library retries behind the
     * test's back), half of them pausing up to 150 ms between requests, so that at SIGTERM many connections are idle
     * and send their next request just after it. Every request written must get its whole answer; a client whose
     * answer says {@code Connection: close} reconnects, which must be refused.
     */
    @Test
    void sigtermUnderKeepAliveLoadAnswersEveryRequestSentAndClosesEachConnectionAfterItsLastAnswer() throws Exception {
        try (LoadBalancerChild lb = LoadBalancerChild.start("--replicas", "2", "--standby", "0", "--drain-timeout", "20000",
                "--replica-env", "REPLICA_TEST_PATHS=true", "--access-log", "off")) {
            int port = lb.port(Duration.ofSeconds(60));
            List<ProcessHandle> replicas = lb.replicas();
            assertThat(replicas).hasSize(2);
            try (KeepAliveClients clients = KeepAliveClients.start(port, 48, 2_000, Duration.ofSeconds(90))) {
                Awaitility.await("traffic flowing").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> clients.answered.get() >= 500 || !clients.failures.isEmpty());
                long sigterm = clients.sigterm();
                lb.process.destroy();
                assertThat(clients.awaitEnd(Duration.ofSeconds(60))).as("every client was told to close and then refused").isTrue();
                long clientsDoneAfter = millisSince(sigterm);
                assertThat(lb.process.waitFor(30, TimeUnit.SECONDS)).as("load balancer exits").isTrue();
                long exitedAfter = millisSince(sigterm);
                Awaitility.await("no replica left").atMost(Duration.ofSeconds(10)).until(() -> replicas.stream().noneMatch(ProcessHandle::isAlive));
                System.out.printf("DRAIN UNDER LOAD %d keep-alive clients: %d answered, %d failed; after SIGTERM %d requests sent and answered "
                                + "(%d on connections idle at SIGTERM), %d answers said close, %d reconnects refused; clients done %d ms, "
                                + "exited %d ms after SIGTERM%n", clients.count, clients.answered.get(), clients.failures.size(),
                        clients.answeredAfterSigterm.get(), clients.sentOnIdleAfterSigterm.get(), clients.toldToClose.get(),
                        clients.refused.get(), clientsDoneAfter, exitedAfter);
                assertThat(clients.failures).as("requests written that got no whole answer").isEmpty();
                assertThat(clients.refused.get()).as("new connections refused").isEqualTo(clients.count);
                assertThat(clients.toldToClose.get()).as("answers with Connection: close").isEqualTo(clients.count);
                assertThat(clients.sentOnIdleAfterSigterm.get()).as("requests on connections that were idle at SIGTERM").isPositive();
                assertThat(String.join("\n", lb.stderr())).contains("drained in");
            }
        }
    }

    /** Keep-alive clients on raw sockets, each bounded in requests and time; see the test above. */
    private static final class KeepAliveClients implements AutoCloseable {
        final int count;
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger answeredAfterSigterm = new AtomicInteger();
        final AtomicInteger sentOnIdleAfterSigterm = new AtomicInteger();
        final AtomicInteger toldToClose = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();
        private volatile long sigtermNanos = Long.MAX_VALUE;
        private volatile boolean stopped;

        private KeepAliveClients(int count) {
            this.count = count;
        }

        static KeepAliveClients start(int port, int count, int maxRequestsEach, Duration maxTime) {
            KeepAliveClients clients = new KeepAliveClients(count);
            long deadline = System.nanoTime() + maxTime.toNanos();
            for (int c = 0; c < count; c++) {
                boolean pauses = c % 2 == 1;
                Thread thread = new Thread(() -> clients.run(port, pauses, maxRequestsEach, deadline), "keep-alive-" + c);
                thread.setDaemon(true);
                thread.start();
                clients.threads.add(thread);
            }
            return clients;
        }

        long sigterm() {
            sigtermNanos = System.nanoTime();
            return sigtermNanos;
        }

        private void run(int port, boolean pauses, int maxRequests, long deadline) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            Socket socket = null;
            InputStream in = null;
            try {
                long previousAnswer = System.nanoTime();
                for (int i = 0; i < maxRequests && !stopped && System.nanoTime() < deadline; i++) {
                    if (socket == null) {
                        try {
                            socket = new Socket("127.0.0.1", port);
                        } catch (ConnectException e) {
                            if (System.nanoTime() > sigtermNanos) refused.incrementAndGet(); else failures.add("refused before SIGTERM: " + e);
                            return;
                        }
                        socket.setSoTimeout(30_000);
                        in = new BufferedInputStream(socket.getInputStream());
                    }
                    if (pauses) Thread.sleep(random.nextInt(150)); // an idle keep-alive connection meanwhile
                    long sent = System.nanoTime();
                    String line = "GET /test/delay?ms=" + random.nextInt(30) + " HTTP/1.1";
                    RawAnswer answer;
                    try {
                        socket.getOutputStream().write((line + "\r\nHost: lb\r\nX-Request-ID: " + random.nextInt(100_000, 1_000_000)
                                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        answer = RawAnswer.readOnly(in);
                    } catch (IOException e) {
                        failures.add(line + " -> " + e);
                        return;
                    }
                    if (answer == null) {
                        failures.add(line + " -> the connection ended without an answer");
                        return;
                    }
                    answered.incrementAndGet();
                    if (answer.status() != 200 || TestStack.servedBy(answer.body()) == null) failures.add(line + " -> " + answer.status() + " " + answer.body());
                    if (sent > sigtermNanos) {
                        answeredAfterSigterm.incrementAndGet();
                        if (previousAnswer < sigtermNanos) sentOnIdleAfterSigterm.incrementAndGet();
                    }
                    previousAnswer = System.nanoTime();
                    if ("close".equalsIgnoreCase(answer.headers().get("connection"))) {
                        toldToClose.incrementAndGet();
                        socket.close();
                        socket = null;
                    }
                }
            } catch (IOException | InterruptedException e) {
                failures.add(e.toString());
            } finally {
                try {
                    if (socket != null) socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }

        /** Waits for every client to end; false if one is still going after {@code limit}. */
        boolean awaitEnd(Duration limit) throws InterruptedException {
            long end = System.nanoTime() + limit.toNanos();
            for (Thread thread : threads) thread.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            return threads.stream().noneMatch(Thread::isAlive);
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            awaitEnd(Duration.ofSeconds(40));
        }
    }

    private static boolean refuses(int port) throws Exception {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
            assertThat(lb.stdout().stream().filter(l -> l.contains(" GET /test/delay?ms=3000 200 ")))
                    .as("the access log, written out before exit: " + lb.stdout()).hasSize(REQUESTS);
            assertThat(String.join("\n", lb.stderr())).contains("draining").contains("drained in");
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

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.backend.Replica;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@code /rm} under traffic: the removed replica finishes what it serves before it is stopped. */
class GracefulRemovalTest {

    @Test
    void aReplicaRemovedWhileItHoldsRequestsAnswersThemAll() throws Exception {
        try (TestStack stack = TestStack.start("--replica-env", "REPLICA_TEST_PATHS=true", "--standby", "0")) {
            String victim = "server-2";
            Replica leaving = stack.lb.replicas().ring().node(victim).value();
            String id = Long.toString(stack.idServedBy(victim));
            // every request holds a replica for 200 ms; every other one is a POST, which is never retried once sent
            try (Traffic traffic = Traffic.start(12, 400, Duration.ofSeconds(40), i ->
                    HttpRequest.newBuilder(URI.create(stack.base + "/test/delay?ms=200")).header("X-Request-ID", id)
                            .timeout(Duration.ofSeconds(30))
                            .method(i % 2 == 0 ? "POST" : "GET", i % 2 == 0 ? HttpRequest.BodyPublishers.ofString("{\"i\": " + i + "}")
                                    : HttpRequest.BodyPublishers.noBody()).build())) {
                Awaitility.await("requests in flight on " + victim).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                        .until(() -> leaving.inFlight() >= 6);
                int inFlightAtRemoval = leaving.inFlight();
                long t0 = System.nanoTime();
                HttpResponse<String> rm = stack.send("DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"" + victim + "\"]}");
                long rmMillis = (System.nanoTime() - t0) / 1_000_000;
                assertThat(rm.statusCode()).isEqualTo(200);
                assertThat(rm.body()).isEqualTo(TestStack.rep("server-1", "server-3"));
                assertThat(stack.lb.runtime().orElseThrow().running()).doesNotContain(victim);
                Thread.sleep(600); // requests that now go to the next replica clockwise
                traffic.close();
                System.out.printf("GRACEFUL /rm of %s with %d requests in flight took %d ms; %d requests ok (%d by %s), %d failed%n",
                        victim, inFlightAtRemoval, rmMillis, traffic.ok(), traffic.servedBy(victim), victim, traffic.failures().size());
                assertThat(traffic.failures()).as("failed requests").isEmpty();
                assertThat(traffic.servedBy(victim)).isGreaterThanOrEqualTo(inFlightAtRemoval);
                assertThat((long) traffic.ok()).isGreaterThan(traffic.servedBy(victim));
            }
            assertThat(PrometheusScrape.of(stack.lb.managementPort().orElseThrow()).sum("lb_inflight_requests")).isZero();
            assertThat(TestStack.replicaProcesses()).isEqualTo(stack.expectedProcesses());
        }
    }
}

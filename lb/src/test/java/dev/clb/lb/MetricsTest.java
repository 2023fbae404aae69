package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} over HTTP agrees exactly with the traffic and the failures the test caused. */
class MetricsTest {

    @Test
    void requestsByReplicaAndStatusFailuresAndRespawnsAreCountedExactly() throws Exception {
        try (TestStack stack = TestStack.start("--replicas", "3", "--access-log", "off")) {
            int mgmt = stack.lb.managementPort().orElseThrow();
            PrometheusScrape before = PrometheusScrape.of(mgmt);
            assertThat(before.sum("lb_requests_total")).isZero();
            assertThat(before.sum("lb_ring_changes_total")).as("the first ring").isEqualTo(1);
            assertThat(before.sum("lb_replicas")).isEqualTo(3);
            assertThat(before.sum("lb_standby_replicas")).isEqualTo(1);
            Map<String, Double> atZero = new HashMap<>(Map.of("none", 0.0, "admin", 0.0));
            stack.hostnames().forEach(replica -> atZero.put(replica, 0.0));
            assertThat(before.by("replica", "lb_request_duration_seconds_count")).as("every replica's series, at 0 from its join; no standby's")
                    .isEqualTo(atZero);
            assertThat(before.by("replica", "lb_upstream_retries_total")).isEqualTo(Map.of("server-1", 0.0, "server-2", 0.0, "server-3", 0.0));
            assertThat(before.by("replica", "lb_outlier_ejections_total")).isEqualTo(Map.of("server-1", 0.0, "server-2", 0.0, "server-3", 0.0));
            assertThat(before.by("reason", "lb_replica_failures_total")).containsEntry("outlier", 0.0);

            Map<String, Double> served = new HashMap<>();
            for (int i = 0; i < 20; i++) {
                var response = stack.get("/home", Integer.toString(100_000 + i * 7919));
                assertThat(response.statusCode()).isEqualTo(200);
                served.merge(TestStack.servedBy(response.body()), 1.0, Double::sum);
            }
            for (int i = 0; i < 3; i++) assertThat(stack.get("/no-such-path").statusCode()).isEqualTo(400);

            PrometheusScrape after = PrometheusScrape.of(mgmt);
            System.out.println("METRICS served " + served);
            assertThat(after.by("replica", "lb_requests_total", "code", "200")).isEqualTo(served);
            assertThat(after.sum("lb_requests_total", "code", "400")).isEqualTo(3);
            assertThat(after.sum("lb_requests_total")).isEqualTo(23);
            assertThat(after.sum("lb_request_duration_seconds_count")).isEqualTo(23);
            assertThat(after.sum("lb_request_duration_seconds_bucket", "le", "+Inf")).isEqualTo(23);
            assertThat(after.sum("lb_request_duration_seconds_sum")).isPositive();
            assertThat(after.sum("lb_upstream_retries_total")).isZero();
            assertThat(after.sum("lb_inflight_requests")).isZero();
            assertThat(after.sum("lb_replica_failures_total")).isZero();
            assertThat(after.sum("lb_heartbeat_duration_seconds_count", "outcome", "alive")).isPositive();
            assertThat(after.has("jvm_memory_used_bytes")).as("JVM metrics").isTrue();
            assertThat(after.has("jvm_gc_pause_seconds_count") || after.has("jvm_gc_memory_allocated_bytes_total")).isTrue();
            assertThat(after.has("process_cpu_usage")).as("process metrics").isTrue();
            assertThat(after.has("process_files_open_files")).isTrue();

            String victim = stack.hostnames().get(1);
            stack.kill(victim);
            Awaitility.await("replaced").atMost(Duration.ofSeconds(30)).until(() -> !stack.hostnames().contains(victim) && stack.hostnames().size() == 3);
            stack.awaitStandbys(1);
            PrometheusScrape failed = PrometheusScrape.of(mgmt);
            assertThat(failed.sum("lb_replica_failures_total")).as("one failure, whichever saw it first").isEqualTo(1);
            assertThat(failed.sum("lb_replica_failures_total", "reason", "exited") + failed.sum("lb_replica_failures_total", "reason", "refused"))
                    .isEqualTo(1);
            assertThat(failed.sum("lb_replica_respawns_total")).isEqualTo(1);
            assertThat(failed.sum("lb_ring_changes_total")).as("one swap for the standby").isEqualTo(2);
            assertThat(failed.sum("lb_replicas")).isEqualTo(3);
        }
    }

    @Test
    void theLoadBalancersOwnAnswersCountAsReplicaNoneAndRetriesByTheReplicaThatFailed() throws Exception {
        String dead = "127.0.0.1:" + freePort();
        // heartbeats rarely: the dead backend stays in the ring until the first request finds it out
        try (TestStack stack = TestStack.start("--runtime", "static", "--backends", dead, "--heartbeat-interval", "600000",
                "--access-log", "off")) {
            int mgmt = stack.lb.managementPort().orElseThrow();
            assertThat(stack.get("/home").statusCode()).isEqualTo(503);
            Awaitility.await("the dead backend leaves the ring").atMost(Duration.ofSeconds(10)).until(() -> stack.hostnames().isEmpty());
            for (int i = 0; i < 4; i++) assertThat(stack.get("/home").statusCode()).isEqualTo(503);

            PrometheusScrape scrape = PrometheusScrape.of(mgmt);
            assertThat(scrape.by("replica", "lb_requests_total")).isEqualTo(Map.of("none", 5.0));
            assertThat(scrape.by("code", "lb_requests_total")).isEqualTo(Map.of("503", 5.0));
            assertThat(scrape.by("replica", "lb_upstream_retries_total")).isEqualTo(Map.of(dead, 1.0));
            assertThat(scrape.by("reason", "lb_replica_failures_total")).containsEntry("refused", 1.0).containsEntry("missed", 0.0)
                    .containsEntry("exited", 0.0);
            assertThat(scrape.sum("lb_replica_respawns_total")).isZero();
            assertThat(scrape.sum("lb_ring_changes_total")).as("installed, then the dead one removed").isEqualTo(2);
            assertThat(scrape.sum("lb_replicas")).isZero();
        }
    }

    @Test
    void aReplicasSeriesGoOnceItLeftTheRingAndTheRetentionPassedAndCountingGoesOnForTheOthers() throws Exception {
        long retentionMs = 5_000;
        try (TestStack stack = TestStack.start("--replicas", "3", "--strategy", "maglev", "--access-log", "off",
                "--metrics-retention", Long.toString(retentionMs))) {
            int mgmt = stack.lb.managementPort().orElseThrow();
            Map<String, Double> served = new HashMap<>();
            for (int i = 0; i < 60; i++) served.merge(TestStack.servedBy(stack.get("/home", Integer.toString(100_000 + i * 7919)).body()), 1.0, Double::sum);
            assertThat(served.keySet()).as("maglev spreads 60 ids over all three").containsExactlyInAnyOrderElementsOf(stack.hostnames());

            String victim = stack.hostnames().get(1);
            long killed = System.nanoTime();
            stack.kill(victim);
            Awaitility.await("replaced").atMost(Duration.ofSeconds(30)).until(() -> !stack.hostnames().contains(victim) && stack.hostnames().size() == 3);
            PrometheusScrape justAfter = PrometheusScrape.of(mgmt);
            long scrapedAfterMs = (System.nanoTime() - killed) / 1_000_000;
            if (scrapedAfterMs < retentionMs - 1_000) {
                assertThat(justAfter.by("replica", "lb_requests_total")).as("within the retention, scraped %d ms after the kill", scrapedAfterMs)
                        .containsEntry(victim, served.get(victim));
            }
            PrometheusScrape gone = Awaitility.await("the victim's series removed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> PrometheusScrape.of(mgmt), scrape -> scrape.samples().stream().noneMatch(s -> victim.equals(s.labels().get("replica"))));
            long goneAfterMs = (System.nanoTime() - killed) / 1_000_000;
            System.out.printf("METRICS RETENTION %s's series present %d ms after the kill, gone by %d ms (retention %d ms)%n", victim,
                    scrapedAfterMs, goneAfterMs, retentionMs);
            assertThat(goneAfterMs).as("not before the retention").isGreaterThanOrEqualTo(retentionMs);
            Map<String, Double> survivors = new HashMap<>(served);
            survivors.remove(victim);
            assertThat(gone.by("replica", "lb_requests_total")).as("the others' counts, unchanged").isEqualTo(survivors);
            Map<String, Double> durations = new HashMap<>(survivors);
            stack.hostnames().forEach(replica -> durations.putIfAbsent(replica, 0.0)); // the replacement's, at 0 from its join
            durations.put("none", 0.0);
            durations.put("admin", 0.0);
            assertThat(gone.by("replica", "lb_request_duration_seconds_count")).as("the others', the replacement's and the load balancer's own")
                    .isEqualTo(durations);

            for (int i = 0; i < 30; i++) survivors.merge(TestStack.servedBy(stack.get("/home", Integer.toString(200_000 + i * 7919)).body()), 1.0, Double::sum);
            assertThat(PrometheusScrape.of(mgmt).by("replica", "lb_requests_total")).as("the replacement's series and the others' go on")
                    .isEqualTo(survivors);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

}

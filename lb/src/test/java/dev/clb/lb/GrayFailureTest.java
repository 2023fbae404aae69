package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.lb.backend.Backend;
import io.netty.util.concurrent.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A gray failure on real processes: a managed replica alive to its heartbeats that answers every request 500
 * ({@code PUT /test/failing}), under 8 clients sending random ids. It is ejected after 5 errors, the clients see at
 * most 5 + the requests in flight to it per ejection, the others serve its share meanwhile (no error while it is out),
 * it is back after the ejection time, and, failing on, it is replaced after its third ejection in a row.
 */
class GrayFailureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient direct = HttpClient.newHttpClient();
    private static final int CLIENTS = 8;
    private static final long EJECTION_MILLIS = 3000;

    @Test
    void aReplicaAnswering500IsEjectedComesBackAndIsReplacedAfterThreeEjectionsInARow() throws Exception {
        try (TestStack stack = TestStack.start("--replicas", "3", "--standby", "1", "--replica-env", "REPLICA_TEST_PATHS=true",
                "--outlier-5xx", "5", "--outlier-ejection", Long.toString(EJECTION_MILLIS));
             Traffic traffic = Traffic.start(CLIENTS, Integer.MAX_VALUE, Duration.ofSeconds(120), i -> HttpRequest.newBuilder(URI.create(stack.base + "/home"))
                     .header("X-Request-ID", Long.toString(ThreadLocalRandom.current().nextLong(100_000, 1_000_000))).timeout(Duration.ofSeconds(30)).build())) {
            String victim = stack.hostnames().get(0);
            Backend address = stack.lb.replicas().ring().node(victim).value().address();
            Awaitility.await("traffic to every replica").atMost(Duration.ofSeconds(30)).until(() -> traffic.servedBy(victim) > 100);
            assertThat(traffic.failures()).isEmpty();

            // 1: failing, ejected; healthy again while out; back after the ejection time
            failing(address, true);
            long switchedAt = System.nanoTime();
            long until = awaitEjection(stack, victim, 0);
            long ejectedAfterMillis = (System.nanoTime() - switchedAt) / 1_000_000;
            failing(address, false); // at once: healthy again well before its re-admission
            Thread.sleep(300); // the answers in flight to it when it was ejected
            int errors = traffic.failures().size();
            long servedBefore = traffic.servedBy(victim);
            int okBefore = traffic.ok();
            Thread.sleep(Math.max(0, until - System.currentTimeMillis() - 200));
            assertThat(traffic.failures()).as("errors while it is out").hasSize(errors);
            assertThat(traffic.servedBy(victim)).as("answers from it while it is out").isEqualTo(servedBefore);
            int servedByOthers = traffic.ok() - okBefore;
            assertThat(servedByOthers).as("answers from the others meanwhile").isPositive();
            Awaitility.await("back after the ejection time").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> traffic.servedBy(victim) > servedBefore);
            long backLateMillis = System.currentTimeMillis() - until;
            assertThat(errors).as("errors seen by clients for one ejection").isBetween(5, 5 + CLIENTS);
            System.out.printf("GRAY FAILURE ejection 1: ejected %d ms after the switch to 500s, %d errors seen by clients (at most 5 + %d in flight), "
                    + "%d answers by the others while it was out, back %d ms after its ejection end%n", ejectedAfterMillis, errors, CLIENTS, servedByOthers, backLateMillis);
            Thread.sleep(2 * EJECTION_MILLIS); // fine for one ejection time: the next ejection is a first one again

            // 2: failing for good: ejected for 3 s, 6 s, then replaced
            failing(address, true);
            List<Integer> perEjection = new ArrayList<>();
            long last = 0;
            int before = traffic.failures().size();
            for (int ejection = 1; ejection <= 3; ejection++) {
                long end = awaitEjection(stack, victim, last);
                if (ejection > 1) {
                    assertThat(end - last).as("ejection %d: twice as long as the one before, from its re-admission", ejection)
                            .isGreaterThanOrEqualTo(EJECTION_MILLIS << (ejection - 1));
                }
                last = end;
                if (ejection == 3) break;
                Thread.sleep(300);
                int now = traffic.failures().size();
                perEjection.add(now - before);
                before = now;
            }
            Awaitility.await("replaced").atMost(Duration.ofSeconds(60)).until(() -> !stack.hostnames().contains(victim));
            Thread.sleep(300);
            perEjection.add(traffic.failures().size() - before);
            System.out.printf("GRAY FAILURE failing for good: errors seen by clients per ejection %s, replaced after the third; now %s%n",
                    perEjection, stack.hostnames());
            assertThat(perEjection).allSatisfy(n -> assertThat(n).isBetween(5, 5 + CLIENTS));
            assertThat(stack.hostnames()).hasSize(3);
            PrometheusScrape metrics = PrometheusScrape.of(stack.lb.managementPort().orElseThrow());
            assertThat(metrics.sum("lb_replica_failures_total", "reason", "outlier")).isEqualTo(1);
            int errorsAfter = traffic.failures().size();
            Thread.sleep(1000);
            assertThat(traffic.failures()).as("errors after the replacement").hasSize(errorsAfter);
        }
    }

    private static void failing(Backend replica, boolean on) throws Exception {
        HttpResponse<Void> answer = direct.send(HttpRequest.newBuilder(URI.create("http://" + replica.host() + ":" + replica.port() + "/test/failing"))
                .method(on ? "PUT" : "DELETE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(answer.statusCode()).isEqualTo(200);
    }

    /**
     * Waits until {@code hostname} is ejected until a time later than {@code previous} (by more than the millisecond the
     * conversion from the ticker may stray by), reading the replica's state as /ring does (a poll of /ring itself may take
     * longer than an ejection on a busy machine); then checks that /ring shows it. Returns that time, epoch ms.
     */
    private static long awaitEjection(TestStack stack, String hostname, long previous) throws Exception {
        long until = Awaitility.await(hostname + " ejected").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                .until(() -> stack.lb.replicas().ring().node(hostname).value().ejection().ejectedUntil(Ticker.systemTicker(), Clock.systemUTC())
                        .orElse(0), end -> end > previous + 10);
        assertThat(ringEjectedUntil(stack, hostname)).as("/ring's ejectedUntil").isCloseTo(until, within(10L));
        return until;
    }

    private static long ringEjectedUntil(TestStack stack, String hostname) throws Exception {
        int port = stack.lb.managementPort().orElseThrow();
        JsonNode ring = JSON.readTree(direct.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ring")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode replica : ring.get("replicas")) {
            if (replica.get("hostname").asText().equals(hostname)) {
                assertThat(replica.get("ejected").asBoolean()).isEqualTo(!replica.get("ejectedUntil").isNull());
                return replica.get("ejectedUntil").isNull() ? 0 : replica.get("ejectedUntil").asLong();
            }
        }
        return 0;
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Three static backends weighted 3:1:1, real replica processes behind a real load balancer: {@code /ring} reports the
 * weights and shares of 0.6 / 0.2 / 0.2 to within 1 % of each, 6000 requests of random six-digit ids land in those
 * shares to within 4 standard deviations, and a backend that fails and comes back keeps its weight.
 */
class WeightedBackendsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> IDS = List.of("heavy", "light-1", "light-2");
    private static final int[] WEIGHTS = {3, 1, 1};
    private static final int REQUESTS = 6000;
    private static final List<Process> replicas = new ArrayList<>();
    private static final List<String> addresses = new ArrayList<>();

    @BeforeAll
    static void startReplicas() throws Exception {
        for (String id : IDS) {
            int port = StaticRuntimeTest.freePort();
            replicas.add(StaticRuntimeTest.replica(id, port));
            addresses.add("127.0.0.1:" + port);
        }
    }

    @AfterAll
    static void stopReplicas() {
        replicas.forEach(Process::destroyForcibly);
    }

    private static JsonNode ring(TestStack stack) throws Exception {
        int port = stack.lb.managementPort().orElseThrow();
        return JSON.readTree(TestStack.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ring"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** ring: 4096 points per unit of weight, since at the default 160 a share strays by several % of itself (see the docs). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"maglev, ''", "ring, --vnodes 4096"})
    void threeToOneToOne(String strategy, String extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--runtime", "static", "--strategy", strategy, "--backends",
                addresses.get(0) + "=3," + addresses.get(1) + "," + addresses.get(2) + "=1"));
        if (!extra.isEmpty()) args.addAll(List.of(extra.split(" ")));
        try (TestStack stack = TestStack.start(args.toArray(String[]::new))) {
            JsonNode ring = ring(stack);
            double[] shares = new double[3];
            for (int i = 0; i < 3; i++) {
                JsonNode replica = ring.get("replicas").get(i);
                assertThat(replica.get("hostname").asText()).isEqualTo(addresses.get(i));
                assertThat(replica.get("weight").asInt()).isEqualTo(WEIGHTS[i]);
                shares[i] = replica.get("share").asDouble();
                double expected = WEIGHTS[i] / 5.0;
                assertThat(shares[i]).as("/ring share of " + IDS.get(i)).isCloseTo(expected, within(0.01 * expected));
            }
            System.out.printf("WEIGHTS %s /ring shares %.5f / %.5f / %.5f%n", strategy, shares[0], shares[1], shares[2]);

            SplittableRandom random = new SplittableRandom(22);
            long[] ids = random.longs(REQUESTS, 100_000, 1_000_000).toArray();
            Traffic traffic = Traffic.start(8, REQUESTS, Duration.ofSeconds(120), i -> HttpRequest.newBuilder(URI.create(stack.base + "/home"))
                    .header("X-Request-ID", Long.toString(ids[i])).timeout(Duration.ofSeconds(30)).build());
            Awaitility.await("6000 answers").atMost(Duration.ofSeconds(120)).until(() -> traffic.ok() + traffic.failures().size() == REQUESTS);
            traffic.close();
            assertThat(traffic.failures()).isEmpty();
            for (int i = 0; i < 3; i++) {
                double p = shares[i];
                double sigma = Math.sqrt(REQUESTS * p * (1 - p));
                long served = traffic.servedBy(IDS.get(i));
                System.out.printf("WEIGHTS %s %s served %d of %d, expected %.1f, sigma %.1f%n", strategy, IDS.get(i), served, REQUESTS, REQUESTS * p, sigma);
                assertThat((double) served).as("requests served by " + IDS.get(i)).isCloseTo(REQUESTS * p, within(4 * sigma));
            }

            // the heavy backend fails and comes back: on its ring id, with its weight, so with its very share
            String heavy = addresses.get(0);
            replicas.get(0).destroyForcibly().waitFor();
            Awaitility.await("the heavy backend leaves the map").atMost(Duration.ofSeconds(10)).until(() -> !stack.hostnames().contains(heavy));
            JsonNode without = ring(stack);
            assertThat(without.get("replicas")).hasSize(2);
            replicas.set(0, StaticRuntimeTest.replica(IDS.get(0), Integer.parseInt(heavy.substring(heavy.lastIndexOf(':') + 1))));
            Awaitility.await("the heavy backend rejoins").atMost(Duration.ofSeconds(30)).until(() -> stack.hostnames().contains(heavy));
            JsonNode back = ring(stack).get("replicas");
            JsonNode rejoined = back.get(2);
            assertThat(rejoined.get("hostname").asText()).isEqualTo(heavy);
            assertThat(rejoined.get("ringId").asInt()).isEqualTo(1);
            assertThat(rejoined.get("weight").asInt()).isEqualTo(3);
            assertThat(rejoined.get("share").asDouble()).isEqualTo(shares[0]);
        }
    }
}

package dev.clb.analyzer.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.FakeLoadBalancer;
import dev.clb.analyzer.stats.ExpectedSplit;
import dev.clb.hashmap.HashScheme;
import java.time.Duration;
import java.util.List;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrafficRunnerTest {
    private static FakeLoadBalancer lb;
    private static OkHttpClient http;

    @BeforeAll
    static void start() throws Exception {
        lb = new FakeLoadBalancer(HashScheme.ASSIGNMENT, List.of("server-1", "server-2", "server-3"));
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(16);
        dispatcher.setMaxRequestsPerHost(16);
        http = new OkHttpClient.Builder().dispatcher(dispatcher).connectionPool(new ConnectionPool(16, 1, java.util.concurrent.TimeUnit.MINUTES))
                .callTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        lb.close();
        http.dispatcher().executorService().shutdown();
    }

    @Test
    void everyRequestCarriesItsIdAndIsCountedForTheReplicaThatAnswered() throws Exception {
        long[] ids = RequestIds.generate(3, 1000);
        int before = lb.homeRequests();
        TrafficResult result = new TrafficRunner(http).start(lb.url(), ids).await();

        assertThat(lb.homeRequests() - before).isEqualTo(1000);
        assertThat(lb.missingRequestIds()).isZero();
        assertThat(result.ok()).isEqualTo(1000);
        assertThat(result.outcomes()).extracting(Outcome::requestId).containsExactly(java.util.Arrays.stream(ids).boxed().toArray(Long[]::new));
        var ring = ExpectedSplit.ring(HashScheme.ASSIGNMENT, lb.replicas());
        for (Outcome o : result.outcomes()) assertThat(o.server()).isEqualTo(ring.lookup(o.requestId()).name());
        java.util.Map<String, Long> counts = result.countsByServer(lb.replicas());
        assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1000);
    }

    @Test
    void pacedTrafficTakesItsTime() throws Exception {
        TrafficRunner.Run run = new TrafficRunner(http).startPaced(lb.url(), RequestIds.generate(4, 300), 1000);
        TrafficResult result = run.await();
        assertThat(result.ok()).isEqualTo(300);
        assertThat(result.seconds()).isBetween(0.25, 5.0);
        assertThat(result.outcomes().get(299).doneNanos()).isGreaterThan(result.outcomes().get(0).doneNanos());
    }

    @Test
    void anUnreachableLoadBalancerIsAFailure() throws Exception {
        TrafficResult result = new TrafficRunner(http).start(java.net.URI.create("http://127.0.0.1:1"), new long[]{123456}).await();
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.outcomes().get(0).status()).isZero();
        assertThat(result.typicalError()).contains("ConnectException");
    }
}

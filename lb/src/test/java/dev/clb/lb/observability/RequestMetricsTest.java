package dev.clb.lb.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.backend.Backend;
import dev.clb.lb.proxy.ProxyEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A replica's series leave the registry after it left the ring, on a clock the test moves, and counting goes on right. */
class RequestMetricsTest {
    private static final Duration RETENTION = Duration.ofSeconds(60);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong now = new AtomicLong();
    private final Map<String, Integer> inFlight = new HashMap<>();
    private final RequestMetrics metrics = new RequestMetrics(registry, RETENTION, now::get);

    RequestMetricsTest() {
        metrics.inFlight(replica -> inFlight.getOrDefault(replica, 0));
    }

    @Test
    void seriesOfAReplicaOutOfTheRingGoAfterTheRetentionWithNothingInFlight() {
        metrics.ringChanged(List.of("a", "b"));
        serve("a", 200, 3);
        serve("b", 200, 2);
        serve("b", 502, 1);
        metrics.retried(new Backend("b", "127.0.0.1", 1));
        serve("none", 503, 1);
        serve("admin", 200, 1);

        metrics.ringChanged(List.of("a", "c")); // b failed, c took its place
        inFlight.put("b", 1);
        later(RETENTION.plusSeconds(1));
        metrics.sweep();
        assertThat(replicas()).as("b still has a request in flight").contains("b");
        inFlight.put("b", 0);
        serve("b", 200, 1); // that request ends after b left the ring: counted
        assertThat(count("b", "200")).isEqualTo(3);
        later(RETENTION.minusSeconds(1));
        metrics.sweep();
        assertThat(replicas()).as("within the retention after its last request").contains("b");
        later(Duration.ofSeconds(1));
        metrics.sweep();
        assertThat(replicas()).as("b's requests, durations and retries are gone; the load balancer's own stay")
                .isEqualTo(new TreeSet<>(Set.of("a", "none", "admin")));
        assertThat(count("a", "200")).isEqualTo(3);
    }

    @Test
    void aReplicaBackInTheRingCountsIntoLiveMetersNeverIntoRemovedOnes() {
        metrics.ringChanged(List.of("a"));
        serve("a", 200, 5);
        Counter before = registry.get("lb.requests").tag("replica", "a").tag("code", "200").counter();
        metrics.ringChanged(List.of());
        later(RETENTION);
        metrics.sweep();
        assertThat(replicas()).isEmpty();

        metrics.ringChanged(List.of("a")); // a static backend that answers heartbeats again
        serve("a", 200, 2);
        serve("a", 404, 1);
        Counter after = registry.get("lb.requests").tag("replica", "a").tag("code", "200").counter();
        assertThat(after).as("a new meter, registered").isNotSameAs(before);
        assertThat(after.count()).as("starts from zero, as a counter reset").isEqualTo(2);
        assertThat(registry.get("lb.request.duration").tag("replica", "a").timer().count()).isEqualTo(3);

        metrics.ringChanged(List.of("a", "b")); // back within the retention: nothing goes
        metrics.ringChanged(List.of("b"));
        later(RETENTION.minusSeconds(1));
        metrics.ringChanged(List.of("a", "b"));
        later(RETENTION.plusSeconds(1));
        metrics.sweep();
        assertThat(count("a", "200")).isEqualTo(2);
    }

    @Test
    void aLateAnswerOfARemovedReplicaComesBackAndGoesAgain() {
        metrics.ringChanged(List.of("a"));
        serve("a", 200, 1);
        metrics.ringChanged(List.of());
        later(RETENTION);
        metrics.sweep();
        assertThat(replicas()).isEmpty();
        serve("a", 200, 1); // an answer that ends after the sweep (a request can outlive its attempt's count by a moment)
        assertThat(count("a", "200")).isEqualTo(1);
        metrics.sweep(); // a scrape: its retention starts
        later(RETENTION);
        metrics.sweep();
        assertThat(replicas()).isEmpty();
    }

    private void serve(String replica, int status, int times) {
        for (int i = 0; i < times; i++) {
            metrics.completed(new ProxyEvents.Exchange(0, "127.0.0.1", "GET", "/home", new ProxyEvents.Edge("HTTP/1.1", "http", "none"), status,
                    replica.equals("none") ? Optional.empty() : Optional.of(replica), 1, 1_000_000));
        }
    }

    private void later(Duration d) {
        now.addAndGet(d.toNanos());
    }

    private double count(String replica, String code) {
        return registry.get("lb.requests").tag("replica", replica).tag("code", code).counter().count();
    }

    /** The replica label values of every per-replica meter in the registry. */
    private Set<String> replicas() {
        Set<String> names = new TreeSet<>();
        for (String meter : List.of("lb.requests", "lb.request.duration", "lb.upstream.retries")) {
            registry.find(meter).meters().forEach(m -> names.add(m.getId().getTag("replica")));
        }
        return names;
    }
}

package dev.clb.lb.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingFullException;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.core.Released;
import dev.clb.lb.proxy.ProxyEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A replica's series exist from its join and leave the registry after it left the ring, driven by the departed replica
 * objects, on a clock the test moves; counting goes on right.
 */
class RequestMetricsTest {
    private static final Duration RETENTION = Duration.ofSeconds(60);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong now = new AtomicLong();
    private final RequestMetrics metrics = new RequestMetrics(registry, RETENTION, now::get);
    private final ReplicaFactory made = new ReplicaFactory(1, registry);
    private final Replica a = replica("a"), b = replica("b"), c = replica("c");

    @Test
    void aReplicasSeriesExistAtZeroFromItsJoinAndAStandbyHasNone() throws RingFullException {
        replica("standby");
        assertThat(replicas()).as("the load balancer's own answers only").containsExactly("none");
        metrics.ringChanged(ring(a));
        assertThat(registry.get("lb.request.duration").tag("replica", "a").timer().count()).isZero();
        assertThat(registry.get("lb.upstream.retries").tag("replica", "a").counter().count()).isZero();
        assertThat(registry.get("lb.outlier.ejections").tag("replica", "a").counter().count()).isZero();
        assertThat(replicas()).containsExactly("a", "none");
    }

    @Test
    void seriesOfAReplicaOutOfTheRingGoAfterTheRetentionWithNothingInFlight() throws RingFullException {
        Replica admin = made.admin(1);
        metrics.ringChanged(ring(a, b));
        serve(a, 200, 3);
        serve(b, 200, 2);
        serve(b, 502, 1);
        metrics.retried(b);
        serve(null, 503, 1);
        serve(admin, 200, 1);

        metrics.ringChanged(ring(a, c)); // b failed, c took its place
        b.begin();
        later(RETENTION.plusSeconds(1));
        metrics.sweep();
        assertThat(replicas()).as("b still has a request in flight").contains("b");
        b.end();
        serve(b, 200, 1); // that request ends after b left the ring: counted
        assertThat(count("b", "200")).isEqualTo(3);
        later(RETENTION.minusSeconds(1));
        metrics.sweep();
        assertThat(replicas()).as("within the retention after its last request").contains("b");
        later(Duration.ofSeconds(1));
        metrics.sweep();
        assertThat(replicas()).as("b's requests, durations, retries and ejections are gone; the load balancer's own stay")
                .isEqualTo(new TreeSet<>(Set.of("a", "c", "none", "admin")));
        assertThat(count("a", "200")).isEqualTo(3);
    }

    @Test
    void aReplicaBackInTheRingCountsIntoLiveMetersNeverIntoRemovedOnes() throws RingFullException {
        metrics.ringChanged(ring(a));
        serve(a, 200, 5);
        Counter before = registry.get("lb.requests").tag("replica", "a").tag("code", "200").counter();
        metrics.ringChanged(ring());
        later(RETENTION);
        metrics.sweep();
        assertThat(replicas()).containsExactly("none");

        metrics.ringChanged(ring(a)); // a static backend that answers heartbeats again: the same object
        serve(a, 200, 2);
        serve(a, 404, 1);
        Counter after = registry.get("lb.requests").tag("replica", "a").tag("code", "200").counter();
        assertThat(after).as("a new meter, registered").isNotSameAs(before);
        assertThat(after.count()).as("starts from zero, as a counter reset").isEqualTo(2);
        assertThat(registry.get("lb.request.duration").tag("replica", "a").timer().count()).isEqualTo(3);

        metrics.ringChanged(ring(a, b)); // back within the retention: nothing goes
        metrics.ringChanged(ring(b));
        later(RETENTION.minusSeconds(1));
        metrics.ringChanged(ring(a, b));
        later(RETENTION.plusSeconds(1));
        metrics.sweep();
        assertThat(count("a", "200")).isEqualTo(2);
    }

    @Test
    void aLateAnswerOfARemovedReplicaIsDroppedAndAddsNoSeries() throws RingFullException {
        metrics.ringChanged(ring(a));
        serve(a, 200, 1);
        metrics.ringChanged(ring());
        later(RETENTION);
        metrics.sweep();
        assertThat(replicas()).containsExactly("none");
        serve(a, 200, 1); // an answer that ends after the sweep (a request can outlive its attempt's count by a moment)
        metrics.retried(a);
        assertThat(replicas()).containsExactly("none");
    }

    /** An {@code /add} of a removed replica's name: the new replica shares the series, which stay when the old one's retention ends. */
    @Test
    void aNewReplicaUnderADepartedOnesNameKeepsTheSeries() throws RingFullException {
        metrics.ringChanged(ring(a, b));
        serve(b, 200, 1);
        metrics.ringChanged(ring(a));
        Replica newB = replica("b");
        metrics.ringChanged(ring(a, newB));
        serve(newB, 200, 1);
        later(RETENTION.plusSeconds(1));
        metrics.sweep();
        assertThat(count("b", "200")).isEqualTo(2);
    }

    /**
     * A crash loop: every replica fails and a new one (a new name each) takes its place. After the retention the registry
     * holds only the series of the replica in the ring, and nothing here holds a replica that left.
     */
    @Test
    void aCrashLoopOfReplacementsLeavesNoSeriesAndNoReplicaBehind() throws RingFullException {
        List<WeakReference<Replica>> departed = new ArrayList<>();
        for (int i = 0; i < 50; i++) departed.add(failAndReplace(i));
        metrics.ringChanged(ring(a));
        later(RETENTION);
        metrics.sweep();
        assertThat(replicas()).containsExactly("a", "none");
        for (WeakReference<Replica> gone : departed) Released.await("a replica that left, with its meters", gone);
    }

    private WeakReference<Replica> failAndReplace(int i) throws RingFullException {
        Replica failing = replica("replica-" + i);
        metrics.ringChanged(ring(failing));
        serve(failing, 200, 2);
        serve(failing, 502, 1);
        metrics.retried(failing);
        return new WeakReference<>(failing);
    }

    private Replica replica(String name) {
        return made.of(new Backend(name, "127.0.0.1", 1));
    }

    private static Ring<Replica> ring(Replica... replicas) throws RingFullException {
        Ring<Replica> ring = RingConfig.defaults().empty();
        for (int i = 0; i < replicas.length; i++) ring = ring.with(new Node<>(replicas[i].hostname(), i + 1, replicas[i]));
        return ring;
    }

    /** {@code times} answers by {@code replica} (null: by the load balancer itself). */
    private void serve(Replica replica, int status, int times) {
        for (int i = 0; i < times; i++) {
            metrics.completed(new ProxyEvents.Exchange(0, "127.0.0.1", "GET", "/home", new ProxyEvents.Edge("HTTP/1.1", "http", "none"), status,
                    Optional.ofNullable(replica), 1, 1_000_000));
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
        for (String meter : List.of("lb.requests", "lb.request.duration", "lb.upstream.retries", "lb.outlier.ejections")) {
            registry.find(meter).meters().forEach(m -> names.add(m.getId().getTag("replica")));
        }
        return names;
    }
}

package dev.clb.lb.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.Placement;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.SlotRing;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.clb.lb.health.FakeHeartbeatProbe;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import dev.clb.lb.runtime.ReplicaRuntime.Found;
import dev.clb.lb.runtime.ReplicaRuntime.Place;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What becomes of replicas found running: placed on their seats in join order, standbys taken back, the rest reaped. */
class AdoptionTest {
    private final FakeRuntime runtime = new FakeRuntime();
    private final FakeHeartbeatProbe probe = new FakeHeartbeatProbe();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    private final ConsistentHashMap<Replica> map = new ConsistentHashMap<>(RingConfig.defaults());
    private final Adoption adoption = new Adoption(map, runtime,
            new Spawner(runtime, probe, Duration.ofMillis(300), executor, () -> false, made), made);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private Found found(String name, Optional<Place> place) {
        runtime.running.add(name);
        return new Found(new Backend(name, "127.0.0.1", 1), place);
    }

    private static Optional<Place> place(int ringId, long joined) {
        return Optional.of(new Place(ringId, joined, Optional.empty()));
    }

    @Test
    void placesInJoinOrderTakesBackWantedStandbysAndReapsTheRest() {
        probe.answer("dead", Outcome.REFUSED);
        probe.answer("dead-standby", Outcome.REFUSED);
        Adoption.Adopted adopted = adoption.adopt(List.of(
                found("late", place(1, 20)), found("dead", place(2, 5)), found("early", place(3, 10)),
                found("standby-1", Optional.empty()), found("dead-standby", Optional.empty()), found("standby-2", Optional.empty())), 1);
        assertThat(adopted.placed()).containsExactly("early", "late");
        assertThat(map.ring().nodes()).extracting(n -> n.name() + "=" + n.ringId()).containsExactly("early=3", "late=1");
        assertThat(adopted.standbys()).extracting(Replica::hostname).containsExactly("standby-1");
        assertThat(adopted.reaped()).containsExactlyInAnyOrder("dead", "dead-standby", "standby-2");
        assertThat(runtime.stopped).containsExactlyInAnyOrder("dead!", "dead-standby!", "standby-2!");
    }

    @Test
    void aReplicaOnTheSlotsItRecordedEvenWhereItsRingIdWouldProbeElsewhere() {
        Placement recorded = new Placement(RingConfig.defaults().slots() + "x9/assignment/linear", List.of(1, 2, 3, 4, 5, 6, 7, 8, 9));
        adoption.adopt(List.of(found("a", Optional.of(new Place(1, 0, Optional.of(recorded))))), 0);
        assertThat(((SlotRing<Replica>) map.ring()).virtualServerSlots("a")).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void aReplicaWhoseRingIdIsTakenIsReaped() {
        Adoption.Adopted adopted = adoption.adopt(List.of(found("a", place(1, 0)), found("b", place(1, 1))), 0);
        assertThat(adopted.placed()).containsExactly("a");
        assertThat(adopted.reaped()).containsExactly("b");
    }

    @Test
    void aReplicaWhoseHeartbeatIsCutShortByShutdownIsReapedNotAdopted() throws Exception {
        probe.hold("a");
        CompletableFuture<Adoption.Adopted> adopting = CompletableFuture.supplyAsync(() -> adoption.adopt(List.of(found("a", place(1, 0))), 0));
        Awaitility.await("a's heartbeat sent").atMost(Duration.ofSeconds(10)).until(() -> probe.sentTo("a") > 0);
        executor.shutdownNow();
        assertThat(adopting.get(10, TimeUnit.SECONDS).reaped()).containsExactly("a");
        assertThat(map.ring().nodes()).isEmpty();
    }
}

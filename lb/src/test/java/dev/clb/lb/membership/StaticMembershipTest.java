package dev.clb.lb.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.HashRing;
import dev.clb.hashmap.MaglevTable;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.SlotRing;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import dev.clb.lb.membership.StaticMembership.Fronted;
import dev.clb.lb.membership.StaticMembership.WeightedBackend;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Static backends: in the map in the order given and with their weights, out while dead, back on their own slots; nothing is ever started. */
class StaticMembershipTest {
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    private final Replica a = made.of(new Backend("a", "127.0.0.1", 1)), b = made.of(new Backend("b", "127.0.0.1", 2));
    private final MockTicker clock = Ticker.newMockTicker();
    private final StaticMembership membership = new StaticMembership(new ConsistentHashMap<>(RingConfig.defaults()), weightOne(a, b), clock);

    /** Whether {@code backend} is within a 10 s slow start on the test's clock. */
    private boolean slowStarting(Replica backend) {
        return backend.slowStart().until(Duration.ofSeconds(10).toNanos(), clock, Clock.systemUTC()).isPresent();
    }

    private static List<Fronted> weightOne(Replica... replicas) {
        return java.util.Arrays.stream(replicas).map(r -> new Fronted(r, 1)).toList();
    }

    /** Marks {@code replica}'s health down, as the heartbeat monitor does before it reports the failure. */
    private static Replica down(Replica replica) {
        replica.health().markDown();
        return replica;
    }

    /** Marks {@code replica}'s health up, as the heartbeat monitor does before it reports the recovery. */
    private static Replica up(Replica replica) {
        replica.health().answered();
        return replica;
    }

    private SlotRing<Replica> slotRing() {
        return (SlotRing<Replica>) membership.ring();
    }

    @Test
    void frontsItsBackendsDropsADeadOneAndTakesItBackOnItsOwnSlots() {
        membership.start(7);
        assertThat(membership.hostnames()).containsExactly("a", "b");
        assertThat(membership.standbyHostnames()).isEmpty();
        assertThat(membership.runtimeName()).isEqualTo("static");
        assertThatThrownBy(() -> membership.add(1, List.of())).isInstanceOf(InvalidChange.class)
                .hasMessage("The static runtime cannot add replicas: it fronts a fixed set of backends");
        assertThatThrownBy(() -> membership.remove(1, List.of())).isInstanceOf(InvalidChange.class).hasMessageContaining("cannot remove replicas");

        int[] slots = slotRing().virtualServerSlots("a");
        membership.failed(down(a), "test");
        assertThat(membership.hostnames()).containsExactly("b");
        assertThat(membership.monitored()).containsExactlyInAnyOrder(a, b);
        membership.recovered(up(b));
        assertThat(membership.hostnames()).containsExactly("b");
        assertThat(slowStarting(a)).as("present from the start").isFalse();
        membership.recovered(up(a));
        assertThat(slowStarting(a)).as("back up: slow-started").isTrue();
        assertThat(slowStarting(b)).isFalse();
        assertThat(membership.hostnames()).containsExactly("b", "a");
        assertThat(membership.ring().node("a").ringId()).isEqualTo(1);
        assertThat(slotRing().virtualServerSlots("a")).containsExactly(slots);
        assertThat(membership.ring().node("a").value()).as("the same object, its state kept while it was down").isSameAs(a);
        assertThat(membership.monitored()).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void aRecoveredBackendWhoseRingIdWasTakenGetsAnother() {
        membership.start(0);
        membership.failed(down(a), "test");
        membership.failed(down(b), "test");
        assertThat(membership.hostnames()).isEmpty();
        membership.recovered(up(b));
        membership.recovered(up(a));
        assertThat(membership.ring().node("a").ringId()).isEqualTo(1);
        assertThat(membership.ring().node("b").ringId()).isEqualTo(2);
    }

    @Test
    void afterCloseFailuresAndRecoveriesChangeNothing() {
        membership.start(0);
        membership.failed(down(a), "test");
        membership.close();
        membership.failed(down(b), "after close");
        membership.recovered(up(a));
        assertThat(membership.hostnames()).containsExactly("b");
    }

    @Test
    void backendsAreHostPortEachNamedByTheWholeString() {
        assertThat(StaticMembership.backends(List.of("10.0.0.1:8080", "[::1]:9"))).containsExactly(
                new WeightedBackend(new Backend("10.0.0.1:8080", "10.0.0.1", 8080), 1), new WeightedBackend(new Backend("[::1]:9", "[::1]", 9), 1));
        assertThatThrownBy(() -> StaticMembership.backends(List.of())).hasMessage("the static runtime needs at least one backend, host:port");
        assertThatThrownBy(() -> StaticMembership.backends(List.of("nohost"))).hasMessage("backend 'nohost' is not host:port");
        assertThatThrownBy(() -> StaticMembership.backends(List.of(":80"))).hasMessage("backend ':80' is not host:port");
        assertThatThrownBy(() -> StaticMembership.backends(List.of("h:x"))).hasMessage("backend 'h:x' has no numeric port");
    }

    @Test
    void aWeightFollowsTheBackendAfterAnEqualsSignAndTheHostnameStaysHostPort() {
        assertThat(StaticMembership.backends(List.of("10.0.0.1:8080=3", "[::1]:9=1", "h:7=256", "h:8"))).containsExactly(
                new WeightedBackend(new Backend("10.0.0.1:8080", "10.0.0.1", 8080), 3), new WeightedBackend(new Backend("[::1]:9", "[::1]", 9), 1),
                new WeightedBackend(new Backend("h:7", "h", 7), 256), new WeightedBackend(new Backend("h:8", "h", 8), 1));
        assertThatThrownBy(() -> StaticMembership.backends(List.of("h:1=0"))).hasMessage("backend 'h:1=0': a weight is a whole number from 1 to 256, got 0");
        assertThatThrownBy(() -> StaticMembership.backends(List.of("h:1=257"))).hasMessage("backend 'h:1=257': a weight is a whole number from 1 to 256, got 257");
        assertThatThrownBy(() -> StaticMembership.backends(List.of("h:1=-2"))).hasMessageContaining("got -2");
        assertThatThrownBy(() -> StaticMembership.backends(List.of("h:1=x"))).hasMessage("backend 'h:1=x' has no numeric weight");
        assertThatThrownBy(() -> StaticMembership.backends(List.of("h:1="))).hasMessage("backend 'h:1=' has no numeric weight");
        assertThatThrownBy(() -> StaticMembership.backends(List.of("h=3"))).hasMessage("backend 'h' is not host:port");
    }

    @Test
    void backendsThatDoNotFitTheStrategyAreRefusedBeforeAnythingStarts() {
        List<WeightedBackend> weighted = List.of(new WeightedBackend(a.address(), 1), new WeightedBackend(b.address(), 2));
        assertThatThrownBy(() -> StaticMembership.fitting(RingConfig.defaults(), weighted))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the slots strategy is the assignment's map, which has no weights: 'b' has weight 2 (weights apply under the ring and maglev strategies)");
        assertThatThrownBy(() -> StaticMembership.fitting(new HashRing.Config(4096), List.of(new WeightedBackend(a.address(), 64), new WeightedBackend(b.address(), 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no room for 'b'");
        assertThat(StaticMembership.fitting(new HashRing.Config(4096), weighted)).isEqualTo(weighted);
    }

    @Test
    void aWeightedBackendThatFailsComesBackWithItsWeightAndItsShare() {
        StaticMembership weighted = new StaticMembership(new ConsistentHashMap<>(new MaglevTable.Config(MaglevTable.DEFAULT_TABLE_SIZE)),
                List.of(new Fronted(a, 3), new Fronted(b, 1)), clock);
        weighted.start(0);
        Map<String, Long> shares = weighted.ring().shares();
        assertThat(weighted.ring().node("a").weight()).isEqualTo(3);
        assertThat(shares.get("a") / (double) Ring.SIX_DIGIT_IDS).isCloseTo(0.75, within(0.0075));
        weighted.failed(down(a), "test");
        assertThat(weighted.ring().shares()).containsOnlyKeys("b");
        weighted.recovered(up(a));
        assertThat(weighted.ring().node("a").weight()).isEqualTo(3);
        assertThat(weighted.ring().node("a").ringId()).isEqualTo(1);
        assertThat(weighted.ring().shares()).isEqualTo(shares);
    }

    @Test
    void aReloadRebuildsTheMapInOneChangeKeepingTheRingIdsAndStateOfTheBackendsItKeeps() throws Exception {
        membership.start(2);
        membership.failed(b, "test");
        Backend c = new Backend("c", "127.0.0.1", 3);
        Ring<Replica> before = membership.ring();
        Ring<Replica> planned = membership.planned(new MaglevTable.Config(MaglevTable.DEFAULT_TABLE_SIZE),
                List.of(new WeightedBackend(c, 1), new WeightedBackend(new Backend("a", "127.0.0.1", 1), 3)));
        assertThat(membership.ring()).as("planning changes nothing").isSameAs(before);
        assertThat(planned.node("c").value()).as("a new backend has no replica yet").isNull();

        membership.reconfigure(new MaglevTable.Config(MaglevTable.DEFAULT_TABLE_SIZE),
                List.of(new WeightedBackend(c, 1), new WeightedBackend(new Backend("a", "127.0.0.1", 1), 3)), made::of);
        Ring<Replica> ring = membership.ring();
        assertThat(ring.strategy().name()).isEqualTo("maglev");
        assertThat(membership.hostnames()).containsExactly("c", "a");
        assertThat(ring.node("a").value()).as("a kept backend keeps its replica object").isSameAs(a);
        assertThat(slowStarting(ring.node("c").value())).as("a backend the reload adds: slow-started").isTrue();
        assertThat(slowStarting(a)).as("a kept one: not").isFalse();
        assertThat(ring.node("a").ringId()).isEqualTo(1);
        assertThat(ring.node("a").weight()).isEqualTo(3);
        assertThat(ring.node("c").ringId()).as("the smallest ring id no kept backend holds: b's, as b is gone").isEqualTo(2);
        assertThat(membership.monitored()).as("b, gone, is no longer watched").doesNotContain(b);
        assertThat(ring.shares().get("a") / (double) Ring.SIX_DIGIT_IDS).isCloseTo(0.75, within(0.01));
        assertThat(planned.shares()).isEqualTo(ring.shares());
    }
}

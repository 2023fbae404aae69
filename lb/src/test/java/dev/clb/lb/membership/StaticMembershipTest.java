package dev.clb.lb.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.SlotRing;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Static backends: in the map in the order given, out while dead, back on their own slots; nothing is ever started. */
class StaticMembershipTest {
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    private final Replica a = made.of(new Backend("a", "127.0.0.1", 1)), b = made.of(new Backend("b", "127.0.0.1", 2));
    private final StaticMembership membership = new StaticMembership(new ConsistentHashMap<>(RingConfig.defaults()), List.of(a, b));

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
        membership.failed(a, "test");
        assertThat(membership.hostnames()).containsExactly("b");
        assertThat(membership.monitored()).containsExactlyInAnyOrder(a, b);
        membership.recovered(b);
        assertThat(membership.hostnames()).containsExactly("b");
        membership.recovered(a);
        assertThat(membership.hostnames()).containsExactly("b", "a");
        assertThat(membership.ring().node("a").ringId()).isEqualTo(1);
        assertThat(slotRing().virtualServerSlots("a")).containsExactly(slots);
        assertThat(membership.ring().node("a").value()).as("the same object, its state kept while it was down").isSameAs(a);
        assertThat(membership.monitored()).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void aRecoveredBackendWhoseRingIdWasTakenGetsAnother() {
        membership.start(0);
        membership.failed(a, "test");
        membership.failed(b, "test");
        assertThat(membership.hostnames()).isEmpty();
        membership.recovered(b);
        membership.recovered(a);
        assertThat(membership.ring().node("a").ringId()).isEqualTo(1);
        assertThat(membership.ring().node("b").ringId()).isEqualTo(2);
    }

    @Test
    void afterCloseFailuresAndRecoveriesChangeNothing() {
        membership.start(0);
        membership.failed(a, "test");
        membership.close();
        membership.failed(b, "after close");
        membership.recovered(a);
        assertThat(membership.hostnames()).containsExactly("b");
    }

    @Test
    void backendsAreHostPortEachNamedByTheWholeString() {
        assertThat(StaticMembership.backends(List.of("10.0.0.1:8080", "[::1]:9"))).containsExactly(
                new Backend("10.0.0.1:8080", "10.0.0.1", 8080), new Backend("[::1]:9", "[::1]", 9));
        assertThatThrownBy(() -> StaticMembership.backends(List.of())).hasMessage("the static runtime needs at least one backend, host:port");
        assertThatThrownBy(() -> StaticMembership.backends(List.of("nohost"))).hasMessage("backend 'nohost' is not host:port");
        assertThatThrownBy(() -> StaticMembership.backends(List.of(":80"))).hasMessage("backend ':80' is not host:port");
        assertThatThrownBy(() -> StaticMembership.backends(List.of("h:x"))).hasMessage("backend 'h:x' has no numeric port");
    }
}

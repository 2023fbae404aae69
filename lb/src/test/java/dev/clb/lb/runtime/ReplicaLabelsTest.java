package dev.clb.lb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.Placement;
import dev.clb.lb.runtime.ReplicaRuntime.Place;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A place survives the trip through an engine's labels, its slots included; labels of older load balancers still read. */
class ReplicaLabelsTest {

    @Test
    void aPlaceWithItsSlotsIsReadBackAsItWasWritten() {
        Place place = new Place(3, 1_700_000_000_000L, Optional.of(new Placement("512x9/assignment/linear", List.of(34, 35, 41))));
        Map<String, String> labels = ReplicaLabels.of("lb", "server-3", Optional.of(place));
        assertThat(labels).containsEntry(ReplicaLabels.PLACEMENT, "512x9/assignment/linear:34,35,41")
                .containsEntry(ReplicaLabels.RING_ID, "3").containsEntry(ReplicaLabels.HOSTNAME, "server-3");
        assertThat(ReplicaLabels.place(labels)).contains(place);
    }

    @Test
    void aPlaceByRingIdAloneOrFromBeforePlacementsHasNoSlots() {
        Place byRingId = new Place(2, 5, Optional.empty());
        assertThat(ReplicaLabels.of(byRingId)).doesNotContainKey(ReplicaLabels.PLACEMENT);
        assertThat(ReplicaLabels.place(ReplicaLabels.of(byRingId))).contains(byRingId);
        assertThat(ReplicaLabels.place(Map.of(ReplicaLabels.RING_ID, "2", ReplicaLabels.JOINED, "5", ReplicaLabels.PLACEMENT, "garbled")))
                .contains(byRingId);
    }

    @Test
    void aStandbyHasNoPlace() {
        assertThat(ReplicaLabels.place(ReplicaLabels.of("lb", "replica-k3j9x", Optional.empty()))).isEmpty();
        assertThat(ReplicaLabels.place(null)).isEmpty();
    }
}

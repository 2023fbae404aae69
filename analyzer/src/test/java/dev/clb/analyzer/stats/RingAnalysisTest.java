package dev.clb.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.HashScheme;
import org.junit.jupiter.api.Test;

class RingAnalysisTest {
    @Test
    void assignmentReachesEightySevenSlotsAndOneArcDecides() {
        RingAnalysis ring = RingAnalysis.of(HashScheme.ASSIGNMENT, 3);
        assertThat(ring.reachable()).hasSize(87);
        assertThat(ring.reachable().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(900_000);
        assertThat(ring.virtualServerSpan()).containsExactly(26, 114);
        RingAnalysis.Arc widest = ring.arcs().get(0);
        assertThat(widest.fromSlot()).isEqualTo(115);
        assertThat(widest.toSlot()).isEqualTo(26);
        assertThat(widest.owner()).isEqualTo("server-1");
        assertThat(ring.replicas()).extracting(RingAnalysis.ReplicaShare::ids).containsExactly(759_374L, 42_187L, 98_439L);
        assertThat(ring.replicas().stream().mapToInt(RingAnalysis.ReplicaShare::reachableSlots).sum()).isEqualTo(87);
        assertThat(ring.arcs()).hasSize(27);
    }

    @Test
    void wellMixedHashesReachEverySlot() {
        assertThat(RingAnalysis.of(HashScheme.MURMUR, 3).reachable()).hasSize(512);
        assertThat(RingAnalysis.of(HashScheme.FNV, 3).reachable().size()).isGreaterThan(500);
    }
}

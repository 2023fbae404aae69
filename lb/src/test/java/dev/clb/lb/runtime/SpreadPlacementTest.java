package dev.clb.lb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Standbys go where a node's failure leaves the fewest serving replicas without a standby on another node. */
class SpreadPlacementTest {

    /** Places {@code count} standbys one after the other, as the pool starts them; returns standbys by node. */
    private static Map<String, Integer> place(int count, List<String> nodes, Map<String, Integer> serving) {
        Map<String, Integer> standbys = new HashMap<>();
        for (int i = 0; i < count; i++) {
            standbys.merge(SpreadPlacement.standbyNode(nodes, serving, standbys).orElseThrow(), 1, Integer::sum);
        }
        return standbys;
    }

    /** Serving replicas of {@code node} that its failure leaves without a standby elsewhere. */
    private static int shortfall(String node, Map<String, Integer> serving, Map<String, Integer> standbys) {
        int elsewhere = standbys.entrySet().stream().filter(e -> !e.getKey().equals(node)).mapToInt(Map.Entry::getValue).sum();
        return Math.max(0, serving.getOrDefault(node, 0) - elsewhere);
    }

    @Test
    void threeReplicasOnTwoNodesTwoStandbysCoverTheNodeWithTwo() {
        Map<String, Integer> serving = Map.of("a", 1, "b", 2);
        Map<String, Integer> standbys = place(2, List.of("a", "b"), serving);
        assertThat(standbys).isEqualTo(Map.of("a", 2));
        assertThat(shortfall("b", serving, standbys)).isZero();
    }

    @Test
    void evenNodesGetOneStandbyEach() {
        Map<String, Integer> serving = Map.of("a", 2, "b", 2);
        assertThat(place(2, List.of("a", "b"), serving)).isEqualTo(Map.of("a", 1, "b", 1));
    }

    @Test
    void theWorstNodeFailureIsCoveredAsFarAsTheStandbysAllow() {
        // 3 + 2 serving, 3 standbys: all 3 beside the 2 would leave that node's failure 2 short; split, no node is more than 1 short
        Map<String, Integer> serving = Map.of("a", 3, "b", 2);
        Map<String, Integer> standbys = place(3, List.of("a", "b"), serving);
        assertThat(standbys).isEqualTo(Map.of("a", 1, "b", 2));
        assertThat(List.of("a", "b")).allMatch(n -> shortfall(n, serving, standbys) <= 1);
        // N standbys on three nodes cover any one node's failure completely
        Map<String, Integer> three = Map.of("a", 2, "b", 1, "c", 0);
        Map<String, Integer> spread = place(3, List.of("a", "b", "c"), three);
        assertThat(List.of("a", "b", "c")).allMatch(n -> shortfall(n, three, spread) == 0);
    }

    @Test
    void onlyCandidatesAreChosen() {
        // b, suspect or down, is no candidate even with no replica on it
        assertThat(SpreadPlacement.standbyNode(List.of("a"), Map.of("a", 3), Map.of())).contains("a");
        assertThat(SpreadPlacement.standbyNode(List.of(), Map.of(), Map.of())).isEmpty();
    }
}

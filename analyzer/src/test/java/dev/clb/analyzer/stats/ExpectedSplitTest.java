package dev.clb.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.Ring;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExpectedSplitTest {
    private static long[] perTenThousand(double[] shares) {
        return Arrays.stream(shares).mapToLong(s -> (long) Math.rint(10_000 * s)).toArray();
    }

    @Test
    void assignmentSplitIsSpecSection3() {
        assertThat(perTenThousand(ExpectedSplit.shares(HashScheme.ASSIGNMENT, 3))).containsExactly(8437, 469, 1094);
        assertThat(perTenThousand(ExpectedSplit.shares(HashScheme.ASSIGNMENT, 2))).containsExactly(9531, 469);
        assertThat(perTenThousand(ExpectedSplit.shares(HashScheme.ASSIGNMENT, 4))).containsExactly(8203, 469, 1016, 312);
        assertThat(perTenThousand(ExpectedSplit.shares(HashScheme.ASSIGNMENT, 5))).containsExactly(7969, 312, 938, 312, 469);
        assertThat(perTenThousand(ExpectedSplit.shares(HashScheme.ASSIGNMENT, 6))).containsExactly(7891, 312, 938, 312, 469, 78);
    }

    @Test
    void sharesCoverEveryId() {
        for (HashScheme hash : HashScheme.ALL) {
            for (int n = 2; n <= 6; n++) {
                assertThat(Arrays.stream(ExpectedSplit.idCounts(ExpectedSplit.defaultConfig(hash), n)).sum()).isEqualTo(900_000);
            }
        }
    }

    @Test
    void ringPutsHostnamesAtRingIdsInOrder() {
        var ring = ExpectedSplit.ring(HashScheme.ASSIGNMENT, List.of("a", "b", "c"));
        assertThat(ring.node("a").ringId()).isEqualTo(1);
        assertThat(ring.node("c").ringId()).isEqualTo(3);
        assertThat(ring.virtualServerSlots("a")).containsExactly(26, 29, 34, 41, 50, 61, 74, 89, 106);
    }

    /** What {@code /ring} says, as the analyzer reads it off the management port. */
    private static RingView parsed(String json) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, RingView.class);
    }

    @Test
    void theModelPlacesEachReplicaWithTheWeightRingReports() throws Exception {
        // Maglev's table splits within 1 % of the weights; the ring's 160 points per unit of weight within 3 %
        for (Map.Entry<String, Double> strategy : Map.of("\"maglev\", \"tableSize\": 65537", 0.01, "\"ring\", \"vnodes\": 160", 0.03).entrySet()) {
            RingView view = parsed("{\"strategy\": " + strategy.getKey() + ", \"replicas\": ["
                    + "{\"hostname\": \"a:80\", \"ringId\": 1, \"weight\": 3, \"share\": 0.6, \"ejected\": false},"
                    + "{\"hostname\": \"b:80\", \"ringId\": 2, \"weight\": 1, \"share\": 0.2},"
                    + "{\"hostname\": \"c:80\", \"ringId\": 3, \"weight\": 1, \"share\": 0.2}]}");
            assertThat(view.replicas()).extracting(RingView.Replica::weight).containsExactly(3, 1, 1);
            Ring<String> model = ExpectedSplit.model(view).orElseThrow();
            Map<String, Long> ids = model.requestShare(RequestIds.FIRST, RequestIds.LAST);
            double total = RequestIds.LAST - RequestIds.FIRST + 1;
            assertThat(ids.get("a:80") / total).as(strategy.getKey()).isCloseTo(0.6, within(strategy.getValue()));
            assertThat(ids.get("b:80") / total).as(strategy.getKey()).isCloseTo(0.2, within(strategy.getValue()));
            assertThat(ids.get("c:80") / total).as(strategy.getKey()).isCloseTo(0.2, within(strategy.getValue()));
            assertThat(model.node("a:80").weight()).isEqualTo(3);
        }
    }

    @Test
    void aRingWithoutWeightsIsOneOfWeightOneEach() throws Exception {
        RingView view = parsed("{\"strategy\": \"maglev\", \"tableSize\": 65537, \"replicas\": ["
                + "{\"hostname\": \"a:80\", \"ringId\": 1, \"share\": 0.5}, {\"hostname\": \"b:80\", \"ringId\": 2, \"share\": 0.5}]}");
        assertThat(view.replicas()).extracting(RingView.Replica::weight).containsExactly(1, 1);
        assertThat(ExpectedSplit.model(view).orElseThrow().shares().values()).allSatisfy(share -> assertThat(share).isPositive());
    }
}

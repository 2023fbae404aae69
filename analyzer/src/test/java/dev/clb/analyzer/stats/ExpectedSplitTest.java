package dev.clb.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.HashScheme;
import java.util.Arrays;
import java.util.List;
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
}

package dev.clb.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.Ring;
import java.util.List;
import org.junit.jupiter.api.Test;

class SplitCheckTest {
    private static final double[] SPEC = {0.8437, 0.0469, 0.1094};

    @Test
    void exactExpectationPasses() {
        SplitCheck check = SplitCheck.of(new long[]{8437, 469, 1094}, SPEC);
        assertThat(check.passed()).isTrue();
        assertThat(check.maxAbsZ()).isLessThan(0.01);
    }

    @Test
    void sampledRequestsThroughTheHashMapMatchTheSpecSplit() {
        // what a correct load balancer does with the analyzer's ids: route each by the hash map
        Ring<String> ring = ExpectedSplit.ring(HashScheme.ASSIGNMENT, List.of("s1", "s2", "s3"));
        for (long seed = 1; seed <= 20; seed++) {
            long[] counts = new long[3];
            for (long id : RequestIds.generate(seed, 10_000)) counts[ring.lookup(id).ringId() - 1]++;
            assertThat(SplitCheck.of(counts, ExpectedSplit.shares(HashScheme.ASSIGNMENT, 3)).passed()).as("seed %d: %s", seed, counts).isTrue();
        }
    }

    @Test
    void anEvenSplitIsNotTheAssignmentsSplit() {
        SplitCheck check = SplitCheck.of(new long[]{3334, 3333, 3333}, SPEC);
        assertThat(check.passed()).isFalse();
        assertThat(check.maxAbsZ()).isGreaterThan(100);
    }

    @Test
    void toleranceIsFourSigmaOfTheBinomial() {
        double sigma = Math.sqrt(10_000 * 0.1094 * (1 - 0.1094)); // about 31.2
        long within = 1094 + (long) Math.floor(3.9 * sigma);
        long beyond = 1094 + (long) Math.ceil(4.1 * sigma);
        assertThat(SplitCheck.of(new long[]{10_000 - 469 - within, 469, within}, SPEC).passed()).isTrue();
        assertThat(SplitCheck.of(new long[]{10_000 - 469 - beyond, 469, beyond}, SPEC).passed()).isFalse();
    }

    @Test
    void aReplicaWithNoShareMustGetNothing() {
        assertThat(SplitCheck.of(new long[]{100, 0}, new double[]{1, 0}).passed()).isTrue();
        assertThat(SplitCheck.of(new long[]{99, 1}, new double[]{1, 0}).passed()).isFalse();
    }
}

package dev.clb.analyzer.traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZipfTest {
    @Test
    void probabilitiesFollowOneOverKToTheS() {
        Zipf zipf = new Zipf(1000, 1.1, 7);
        double h = 0;
        for (int k = 1; k <= 1000; k++) h += Math.pow(k, -1.1);
        assertThat(zipf.probability(1)).isCloseTo(1 / h, within(1e-12));
        assertThat(zipf.probability(10)).isCloseTo(Math.pow(10, -1.1) / h, within(1e-12));
        assertThat(zipf.probability(1) / zipf.probability(2)).isCloseTo(Math.pow(2, 1.1), within(1e-9));
        double sum = 0;
        for (int k = 1; k <= 1000; k++) sum += zipf.probability(k);
        assertThat(sum).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void ranksCoverTheirIntervals() {
        Zipf zipf = new Zipf(3, 1.0, 1);
        // probabilities 6/11, 3/11, 2/11: key 1 covers [0, 6/11), key 2 [6/11, 9/11), key 3 the rest
        assertThat(zipf.rank(0.0)).isEqualTo(1);
        assertThat(zipf.rank(6 / 11.0 - 1e-9)).isEqualTo(1);
        assertThat(zipf.rank(6 / 11.0 + 1e-9)).isEqualTo(2);
        assertThat(zipf.rank(9 / 11.0 + 1e-9)).isEqualTo(3);
        assertThat(zipf.rank(0.999999)).isEqualTo(3);
    }

    @Test
    void samplesAreSeededSixDigitIdsWithTheRightFrequencies() {
        Zipf zipf = new Zipf(1000, 1.1, 7);
        long[] ids = zipf.sample(42, 200_000);
        assertThat(zipf.sample(42, 200_000)).isEqualTo(ids);
        assertThat(zipf.sample(43, 1000)).isNotEqualTo(zipf.sample(42, 1000));
        Map<Long, Integer> counts = new HashMap<>();
        for (long id : ids) counts.merge(id, 1, Integer::sum);
        for (int rank : new int[]{1, 2, 10}) {
            double p = zipf.probability(rank);
            double sd = Math.sqrt(ids.length * p * (1 - p));
            assertThat((double) counts.get(zipf.id(rank))).as("key " + rank).isCloseTo(ids.length * p, within(4 * sd));
        }
        assertThat(counts.keySet()).allMatch(id -> id >= RequestIds.FIRST && id <= RequestIds.LAST);
        var distinct = new HashSet<Long>();
        for (int k = 1; k <= 1000; k++) distinct.add(zipf.id(k));
        assertThat(distinct).hasSize(1000);
    }

    @Test
    void badParametersAreRefused() {
        assertThatThrownBy(() -> new Zipf(0, 1.1, 1)).hasMessageContaining("at least one key");
        assertThatThrownBy(() -> new Zipf(10, 0, 1)).hasMessageContaining("exponent");
    }
}

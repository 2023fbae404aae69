package dev.clb.analyzer.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RequestIdsTest {
    @Test
    void sameSeedSameIds() {
        assertThat(RequestIds.generate(42, 1000)).containsExactly(RequestIds.generate(42, 1000));
        assertThat(RequestIds.generate(42, 1000)).isNotEqualTo(RequestIds.generate(43, 1000));
    }

    @Test
    void idsHaveSixDigits() {
        long[] ids = RequestIds.generate(7, 100_000);
        assertThat(Arrays.stream(ids).min().orElseThrow()).isGreaterThanOrEqualTo(100_000);
        assertThat(Arrays.stream(ids).max().orElseThrow()).isLessThanOrEqualTo(999_999);
        assertThat(Arrays.stream(ids).distinct().count()).as("spread over the range, not a handful of values").isGreaterThan(90_000);
    }

    @Test
    void aLongerRunStartsWithTheShorterOnesIds() {
        assertThat(Arrays.copyOf(RequestIds.generate(5, 500), 300)).containsExactly(RequestIds.generate(5, 300));
    }
}

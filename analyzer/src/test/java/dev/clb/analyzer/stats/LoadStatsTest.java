package dev.clb.analyzer.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoadStatsTest {
    @Test
    void meanExtremesAndPopulationSd() {
        LoadStats stats = LoadStats.of(List.of(8437L, 469L, 1094L));
        assertThat(stats.mean()).isCloseTo(3333.33, within(0.01));
        assertThat(stats.min()).isEqualTo(469);
        assertThat(stats.max()).isEqualTo(8437);
        assertThat(stats.sd()).isCloseTo(3617.85, within(0.01));
        assertThat(stats.relativeSd()).isCloseTo(1.0854, within(0.0001));
    }

    @Test
    void evenSplitHasNoSpread() {
        assertThat(LoadStats.of(List.of(5L, 5L, 5L)).sd()).isZero();
        assertThat(LoadStats.of(List.of()).relativeSd()).isZero();
    }
}

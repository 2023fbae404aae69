package dev.clb.analyzer.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void drawsDoneAndRate() {
        String line = ProgressBar.line("a1 assignment N=3", 5000, 10000, 2.0);
        assertThat(line).contains("a1 assignment N=3").contains("[" + "#".repeat(15) + ".".repeat(15) + "]")
                .contains("5000/10000").contains("50%").contains("2500 req/s");
        assertThat(ProgressBar.line("x", 10000, 10000, 1.0)).contains("#".repeat(30)).contains("100%");
    }
}

package dev.clb.lb.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Retries after failures: later each time up to a cap, one run pending at most, and a success starts over. */
class BackoffTest {
    private static final Duration FIRST = Duration.ofMillis(100), MAX = Duration.ofMillis(400);

    private final AtomicInteger runs = new AtomicInteger();
    private final Backoff backoff = new Backoff(FIRST, MAX, Runnable::run, runs::incrementAndGet);

    private void awaitRuns(int n) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == n);
    }

    @Test
    void delaysDoubleUpToTheCapWithOneRunPendingAndASuccessStartsOver() throws Exception {
        Duration first = backoff.failed(), whilePending = backoff.failed();
        assertThat(first).isEqualTo(FIRST);
        assertThat(whilePending).as("a run is pending: nothing more is scheduled").isEqualTo(FIRST.multipliedBy(2));
        awaitRuns(1);
        Thread.sleep(FIRST.multipliedBy(3).toMillis());
        assertThat(runs).as("one run for two failures while it was pending").hasValue(1);
        assertThat(backoff.failed()).isEqualTo(FIRST.multipliedBy(2));
        awaitRuns(2);
        assertThat(backoff.failed()).isEqualTo(MAX);
        awaitRuns(3);
        assertThat(backoff.failed()).as("capped").isEqualTo(MAX);
        awaitRuns(4);
        backoff.succeeded();
        assertThat(backoff.failed()).isEqualTo(FIRST);
        awaitRuns(5);
    }
}

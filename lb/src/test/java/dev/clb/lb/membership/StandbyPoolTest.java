package dev.clb.lb.membership;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.health.FakeHeartbeatProbe;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The standby pool on its own, with names the test hands out, so that a standby's start can be held by name. */
class StandbyPoolTest {
    private final FakeRuntime runtime = new FakeRuntime();
    private final FakeHeartbeatProbe probe = new FakeHeartbeatProbe();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<String> released = new CopyOnWriteArrayList<>();
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    private final StandbyPool pool = new StandbyPool(1, new Spawner(runtime, probe, Duration.ofSeconds(5), executor, () -> false, made),
            runtime, probe, executor, () -> "standby-1", released::add);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private static void await(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(10)).until(condition);
    }

    @Test
    void aSuccessfulStartResetsTheBackOffSoTheNextFailureIsRetriedSoon() {
        AtomicInteger names = new AtomicInteger();
        StandbyPool counted = new StandbyPool(1, new Spawner(runtime, probe, Duration.ofSeconds(5), executor, () -> false, made),
                runtime, probe, executor, () -> "standby-" + names.incrementAndGet(), released::add);
        runtime.refuseToStart.addAll(List.of("standby-1", "standby-2", "standby-3", "standby-5"));
        counted.refill(); // three failed starts: the next retry would come after 2 s, were the back-off not reset
        await("a standby after three failed starts", () -> counted.hostnames().equals(List.of("standby-4")));
        long failedAt = System.nanoTime();
        counted.replaceFailed(counted.standbys().get(0), "test");
        await("the start after one more failure", () -> runtime.started.contains("standby-6"));
        assertThat((System.nanoTime() - failedAt) / 1_000_000).as("ms until the retry after the failure that followed a success")
                .isLessThan(1_200); // 250 ms after a success; 2 s had the three earlier failures still counted
    }

    @Test
    void aStandbyThatFinishesStartingAfterCloseIsStoppedNotKept() {
        probe.hold("standby-1");
        pool.refill();
        await("the standby's first heartbeat", () -> probe.sentTo("standby-1") > 0);
        pool.close();
        probe.release("standby-1", Outcome.ALIVE);
        await("its name released", () -> released.contains("standby-1"));
        assertThat(runtime.stopped).containsExactly("standby-1!");
        assertThat(pool.hostnames()).isEmpty();
    }

    @Test
    void aStandbyStartInterruptedByShutdownStopsWhatItStarted() {
        probe.hold("standby-1");
        pool.refill();
        await("the standby's first heartbeat", () -> probe.sentTo("standby-1") > 0);
        executor.shutdownNow();
        await("the standby stopped", () -> runtime.stopped.contains("standby-1!"));
        assertThat(pool.hostnames()).isEmpty();
    }
}

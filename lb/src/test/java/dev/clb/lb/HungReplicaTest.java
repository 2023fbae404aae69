package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A replica that stops answering (SIGSTOP) or merely answers slowly, under concurrent load. */
class HungReplicaTest {

    @Test
    void aFrozenReplicaCostsNoRequestAndLittleTime() throws Exception {
        // heartbeats alone would take 3 x 3 s to give up on the frozen replica: the attempt deadline must act long before
        try (TestStack stack = TestStack.start("--heartbeat-timeout", "3000", "--failure-threshold", "3");
             Load load = new Load(stack, "/home", 16)) {
            org.awaitility.Awaitility.await("the deadlines learn what the replicas normally take").atMost(Duration.ofSeconds(30))
                    .until(() -> load.done.get() >= 500);
            long pid = stack.runtime().pid("server-1"); // the replica with most of the load
            long stoppedAt = System.nanoTime();
            FailureTest.signal("STOP", pid);
            try {
                Thread.sleep(3_000); // requests meet the frozen replica
                FailureTest.awaitReplacementOf(stack, "server-1", Duration.ofSeconds(30));
                Thread.sleep(1_000);
            } finally {
                FailureTest.signal("CONT", pid);
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            load.stop();
            System.out.printf("FROZEN REPLICA (SIGSTOP) under 16 concurrent clients: %d requests, %d failed, worst latency after the stop %d ms"
                    + " (target 500 ms), before it %d ms%n", load.done.get(), load.failures.size(), load.worstAfter(stoppedAt) / 1_000_000,
                    load.worstBefore(stoppedAt) / 1_000_000);
            assertThat(load.failures).as("failed client requests").isEmpty();
            assertThat(load.worstAfter(stoppedAt)).as("worst latency, ns: far below the 9 s heartbeats would take")
                    .isLessThan(TimeUnit.SECONDS.toNanos(5));
        }
    }

    @Test
    void aSlowReplicaIsNotReplaced() throws Exception {
        try (TestStack stack = TestStack.start("--replica-env", "REPLICA_TEST_PATHS=true")) {
            List<String> before = stack.hostnames();
            try (Load fast = new Load(stack, "/test/delay?ms=5", 8)) {
                Thread.sleep(2_000); // recent answers: fast
            }
            long slowedAt = System.nanoTime();
            try (Load slow = new Load(stack, "/test/delay?ms=300", 16)) { // now every answer takes longer than the floor
                Thread.sleep(6_000);
                slow.stop();
                System.out.printf("SLOW REPLICAS (300 ms each) under 16 concurrent clients: %d requests, %d failed, worst latency %d ms%n",
                        slow.done.get(), slow.failures.size(), slow.worstAfter(slowedAt) / 1_000_000);
                assertThat(slow.failures).as("failed client requests").isEmpty();
                assertThat(slow.done.get()).isPositive();
            }
            assertThat(stack.hostnames()).as("no replica replaced for being slow").isEqualTo(before);
        }
    }

    /** Clients sending GETs for random ids in a loop, bounded in time (60 s), recording latencies and failures. */
    static final class Load implements AutoCloseable {
        record Sample(long startNanos, long nanos) {
        }

        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        final AtomicInteger done = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> clients = new ArrayList<>();

        Load(TestStack stack, String path, int concurrency) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int i = 0; i < concurrency; i++) {
                Thread client = new Thread(() -> {
                    while (running.get() && System.nanoTime() < end) {
                        HttpRequest request = HttpRequest.newBuilder(URI.create(stack.base + path))
                                .header("X-Request-ID", Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000)))
                                .timeout(Duration.ofSeconds(30)).build();
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<String> response = TestStack.http.send(request, HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() != 200) failures.add(response.statusCode() + " " + response.body());
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                        samples.add(new Sample(t0, System.nanoTime() - t0));
                        done.incrementAndGet();
                    }
                }, "load");
                client.setDaemon(true);
                client.start();
                clients.add(client);
            }
        }

        long worstAfter(long since) {
            return samples.stream().filter(s -> s.startNanos() + s.nanos() >= since).mapToLong(Sample::nanos).max().orElse(0);
        }

        long worstBefore(long since) {
            return samples.stream().filter(s -> s.startNanos() + s.nanos() < since).mapToLong(Sample::nanos).max().orElse(0);
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread client : clients) client.join(40_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}

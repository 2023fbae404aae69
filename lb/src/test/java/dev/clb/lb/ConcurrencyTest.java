package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Parallel /add and /rm, traffic and a real failure at once: the replica list, the ring and the processes agree. */
class ConcurrencyTest {

    @Test
    void parallelAdminCallsTrafficAndAFailureNeverCorruptState() throws Exception {
        try (TestStack stack = TestStack.start()) {
            AtomicBoolean stop = new AtomicBoolean();
            List<String> trafficErrors = Collections.synchronizedList(new ArrayList<>());
            List<String> adminErrors = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger served = new AtomicInteger(), changes = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                work.add(pool.submit(() -> {
                    while (!stop.get() && System.nanoTime() < deadline) {
                        try {
                            HttpResponse<String> r = stack.get("/home", Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000)));
                            if (r.statusCode() == 200) served.incrementAndGet(); else trafficErrors.add(r.statusCode() + " " + r.body());
                        } catch (Exception e) {
                            trafficErrors.add(e.toString());
                        }
                    }
                }));
            }
            for (int t = 0; t < 3; t++) {
                final int worker = t;
                work.add(pool.submit(() -> {
                    for (int round = 0; round < 3 && System.nanoTime() < deadline; round++) {
                        try {
                            String name = "w" + worker + "r" + round;
                            expectOk(stack.send("POST", "/add", "{\"n\": 1, \"hostnames\": [\"" + name + "\"]}"), adminErrors);
                            changes.incrementAndGet();
                            expectOk(stack.send("DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"" + name + "\"]}"), adminErrors);
                            changes.incrementAndGet();
                        } catch (Exception e) {
                            adminErrors.add(e.toString());
                        }
                    }
                }));
            }
            Thread.sleep(1_500);
            stack.kill("server-1");
            for (int i = 4; i < work.size(); i++) work.get(i).get(120, TimeUnit.SECONDS);
            stop.set(true);
            for (Future<?> f : work) f.get(60, TimeUnit.SECONDS);
            pool.shutdown();

            assertThat(adminErrors).isEmpty();
            assertThat(trafficErrors).as("traffic during changes").isEmpty();
            assertThat(changes.get()).isEqualTo(18);
            stack.awaitStandbys(1);
            TestStack.State state = stack.state();
            assertThat(state.ring()).hasSize(3).doesNotContain("server-1");
            assertThat(state.rep()).isEqualTo(TestStack.rep(state.ring().toArray(String[]::new)));
            assertThat(new HashSet<>(state.ring())).isEqualTo(state.processes());
            System.out.printf("CONCURRENCY %d admin changes, %d requests served, 0 errors%n", changes.get(), served.get());
        }
    }

    private static void expectOk(HttpResponse<String> response, List<String> errors) {
        if (response.statusCode() != 200) errors.add(response.statusCode() + " " + response.body());
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** One hot key at concurrency 60 over three replicas that hold each request 20 ms, with and without bounded loads. */
class HotKeyTest {
    static final int CONCURRENCY = 60, REQUESTS = 900;
    static final Duration TIME_LIMIT = Duration.ofSeconds(60);

    record Outcome(Map<String, LongAdder> perReplica, List<String> errors, int sent, long millis) {
        long busiest() {
            return perReplica.values().stream().mapToLong(LongAdder::sum).max().orElse(0);
        }
    }

    /** {@link #REQUESTS} requests (fewer if {@link #TIME_LIMIT} passes), all with the same X-Request-ID, {@link #CONCURRENCY} at a time. */
    static Outcome hammer(TestStack stack) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(stack.base + "/test/delay?ms=20")).header("X-Request-ID", "424242")
                .timeout(Duration.ofSeconds(30)).build();
        Map<String, LongAdder> perReplica = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger tickets = new AtomicInteger();
        long deadline = System.nanoTime() + TIME_LIMIT.toNanos();
        long start = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CONCURRENCY; c++) {
                running.add(clients.submit(() -> {
                    while (tickets.getAndIncrement() < REQUESTS && System.nanoTime() < deadline) {
                        try {
                            HttpResponse<String> response = TestStack.http.send(request, HttpResponse.BodyHandlers.ofString());
                            String replica = TestStack.servedBy(response.body());
                            if (response.statusCode() == 200 && replica != null) {
                                perReplica.computeIfAbsent(replica, r -> new LongAdder()).increment();
                            } else {
                                errors.add(response.statusCode() + " " + response.body());
                            }
                        } catch (Exception e) {
                            errors.add(e.toString());
                        }
                    }
                }));
            }
            for (Future<?> f : running) f.get(TIME_LIMIT.toSeconds() + 30, TimeUnit.SECONDS);
        } finally {
            clients.shutdownNow();
        }
        return new Outcome(perReplica, List.copyOf(errors), Math.min(tickets.get(), REQUESTS), (System.nanoTime() - start) / 1_000_000);
    }

    static TestStack stack(String... more) throws Exception {
        // replicas busy with 60 held requests on a loaded machine answer heartbeats late: they must not count as failed here
        List<String> args = new ArrayList<>(List.of("--standby", "0", "--replicas", "3", "--replica-env", "REPLICA_TEST_PATHS=true",
                "--heartbeat-timeout", "3000", "--failure-threshold", "20"));
        args.addAll(List.of(more));
        return TestStack.start(args.toArray(String[]::new));
    }

    @Test
    void boundedLoadsSpreadAHotKeySoNoReplicaGetsMoreThanHalf() throws Exception {
        try (TestStack stack = stack("--strategy", "maglev", "--bounded-load", "1.25")) {
            Outcome outcome = hammer(stack);
            System.out.println("HOT KEY bounded 1.25: " + outcome.perReplica() + " of " + outcome.sent() + " in " + outcome.millis() + " ms, "
                    + outcome.errors().size() + " errors");
            assertThat(outcome.errors()).isEmpty();
            assertThat(outcome.perReplica().values().stream().mapToLong(LongAdder::sum).sum()).isEqualTo(outcome.sent());
            assertThat(outcome.sent()).isGreaterThan(CONCURRENCY * 5);
            assertThat(outcome.busiest()).isLessThanOrEqualTo(outcome.sent() / 2);
            assertThat(outcome.perReplica()).hasSize(3);
            assertThat(stack.lb.inFlight().total()).isZero();
            assertThat(stack.hostnames()).as("no replica was replaced meanwhile").containsExactly("server-1", "server-2", "server-3");
        }
    }

    @Test
    void withoutBoundsOneReplicaGetsEveryRequestOfAHotKey() throws Exception {
        try (TestStack stack = stack("--strategy", "maglev")) {
            Outcome outcome = hammer(stack);
            System.out.println("HOT KEY unbounded: " + outcome.perReplica() + " of " + outcome.sent() + " in " + outcome.millis() + " ms, "
                    + outcome.errors().size() + " errors");
            assertThat(outcome.errors()).isEmpty();
            assertThat(outcome.perReplica()).hasSize(1);
            assertThat(outcome.busiest()).isEqualTo(outcome.sent());
            assertThat(stack.hostnames()).as("no replica was replaced meanwhile").containsExactly("server-1", "server-2", "server-3");
        }
    }
}

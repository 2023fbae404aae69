package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** One hot key at concurrency 60 over three replicas that hold each request 20 ms on average, with and without bounded loads. */
class HotKeyTest {
    static final int CONCURRENCY = 60, WARM_UP = 5 * CONCURRENCY, REQUESTS = 900;
    static final Duration TIME_LIMIT = Duration.ofSeconds(60);

    record Outcome(Map<String, LongAdder> perReplica, List<String> errors, int sent, long millis) {
        long busiest() {
            return perReplica.values().stream().mapToLong(LongAdder::sum).max().orElse(0);
        }
    }

    /**
     * {@link #REQUESTS} counted requests (fewer if {@link #TIME_LIMIT} passes), all with the same X-Request-ID, from
     * {@link #CONCURRENCY} keep-alive connections, each sending its next request when the last is answered. The first
     * {@link #WARM_UP} are not counted, and uncounted ones keep the concurrency up until the last counted one is answered.
     * The clients are raw sockets: the share a bounded replica takes grows as fewer requests are in flight at the load
     * balancer (the cap is ceil(1.25 × (in flight + 1) / 3)), so a client that spends its time elsewhere, or a start and an
     * end with few in flight, would measure the machine rather than the bound.
     */
    static Outcome hammer(TestStack stack) throws Exception {
        Map<String, LongAdder> perReplica = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        AtomicInteger tickets = new AtomicInteger();
        AtomicInteger countedAnswered = new AtomicInteger();
        long deadline = System.nanoTime() + TIME_LIMIT.toNanos();
        long start = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CONCURRENCY; c++) {
                running.add(clients.submit(() -> {
                    try (Socket socket = new Socket("127.0.0.1", stack.lb.port())) {
                        socket.setSoTimeout(30_000);
                        InputStream in = new BufferedInputStream(socket.getInputStream());
                        while (countedAnswered.get() < REQUESTS && System.nanoTime() < deadline) {
                            int ticket = tickets.getAndIncrement();
                            boolean counted = ticket >= WARM_UP && ticket < WARM_UP + REQUESTS;
                            socket.getOutputStream().write(request());
                            RawAnswer answer = RawAnswer.readOnly(in);
                            String replica = answer == null ? null : TestStack.servedBy(answer.body());
                            if (replica == null || answer.status() != 200) {
                                errors.add(answer == null ? "closed without an answer" : answer.status() + " " + answer.body());
                                if (counted) countedAnswered.incrementAndGet();
                                return null;
                            }
                            if (counted) {
                                perReplica.computeIfAbsent(replica, r -> new LongAdder()).increment();
                                countedAnswered.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) f.get(TIME_LIMIT.toSeconds() + 30, TimeUnit.SECONDS);
        } finally {
            clients.shutdownNow();
        }
        return new Outcome(perReplica, List.copyOf(errors), countedAnswered.get(), (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * One request for the hot key, held 10 to 30 ms (20 on average) by the replica. With one fixed hold, clients that
     * start together stay in step: a replica's requests end in one wave, the total in flight dips, and the first replica
     * in the key's order takes the whole next wave while the cap is low, which made the busiest share swing with the
     * machine's speed (0.39 to 0.50 of the requests in runs of the same code).
     */
    private static byte[] request() {
        int holdMillis = ThreadLocalRandom.current().nextInt(10, 31);
        return ("GET /test/delay?ms=" + holdMillis + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: 424242\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    static TestStack stack(String... more) throws Exception {
        // replicas busy with 60 held requests on a loaded machine answer heartbeats late: they must not count as failed here
        List<String> args = new ArrayList<>(List.of("--standby", "0", "--replicas", "3", "--replica-env", "REPLICA_TEST_PATHS=true",
                "--heartbeat-timeout", "3000", "--failure-threshold", "20"));
        args.addAll(List.of(more));
        return TestStack.start(args.toArray(String[]::new));
    }

    @Test
    void boundedLoadsSpreadAHotKeySoNoReplicaGetsTheBulkOfIt() throws Exception {
        try (TestStack stack = stack("--strategy", "maglev", "--bounded-load", "1.25")) {
            Outcome outcome = hammer(stack);
            System.out.println("HOT KEY bounded 1.25: " + outcome.perReplica() + " of " + outcome.sent() + " in " + outcome.millis() + " ms, "
                    + outcome.errors().size() + " errors");
            assertThat(outcome.errors()).isEmpty();
            assertThat(outcome.perReplica().values().stream().mapToLong(LongAdder::sum).sum()).isEqualTo(outcome.sent());
            assertThat(outcome.sent()).isGreaterThan(CONCURRENCY * 5);
            // the busiest share is a statistical figure: 0.39-0.54 in runs of the same code (the cap follows the requests in
            // flight, which dip as waves of answers end); without bounds it is 1.0 (the test below). BoundedLoadChooserTest
            // pins the cap itself exactly.
            assertThat(outcome.busiest()).isLessThanOrEqualTo(outcome.sent() * 3 / 5);
            assertThat(outcome.perReplica()).hasSize(3);
            assertThat(PrometheusScrape.of(stack.lb.managementPort().orElseThrow()).sum("lb_inflight_requests")).isZero();
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

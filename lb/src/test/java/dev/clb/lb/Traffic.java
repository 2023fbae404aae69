package dev.clb.lb;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Clients that keep sending requests to a stack until stopped, each bounded in count and time, and remember every
 * answer that was not a 200 from a replica. Request {@code i} is made by {@code request.apply(i)}.
 */
final class Traffic implements AutoCloseable {
    private final List<Thread> clients = new ArrayList<>();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger ok = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> servedBy = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;

    private Traffic() {
    }

    static Traffic start(int clients, int maxRequests, Duration maxTime, IntFunction<HttpRequest> request) {
        Traffic traffic = new Traffic();
        long deadline = System.nanoTime() + maxTime.toNanos();
        for (int c = 0; c < clients; c++) {
            Thread client = new Thread(() -> {
                int i;
                while (!traffic.stopped && System.nanoTime() < deadline && (i = traffic.sent.getAndIncrement()) < maxRequests) {
                    HttpRequest r = request.apply(i);
                    try {
                        HttpResponse<String> response = TestStack.http.send(r, HttpResponse.BodyHandlers.ofString());
                        String replica = TestStack.servedBy(response.body());
                        if (response.statusCode() == 200 && replica != null) {
                            traffic.ok.incrementAndGet();
                            traffic.servedBy.add(replica);
                        } else {
                            traffic.failures.add(r.method() + " " + r.uri().getPath() + " -> " + response.statusCode() + " " + response.body());
                        }
                    } catch (Exception e) {
                        traffic.failures.add(r.method() + " " + r.uri().getPath() + " -> " + e);
                    }
                }
            }, "traffic-" + c);
            client.setDaemon(true);
            client.start();
            traffic.clients.add(client);
        }
        return traffic;
    }

    int ok() {
        return ok.get();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    long servedBy(String replica) {
        return servedBy.stream().filter(replica::equals).count();
    }

    /** Stops the clients and waits for their last requests. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread client : clients) client.join(Duration.ofSeconds(60).toMillis());
    }
}

package dev.clb.analyzer.traffic;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends {@code GET /home} requests (or to another path that answers like it, such as {@code /test/delay?ms=5}) asynchronously through one shared OkHttp client, whose dispatcher limits how many
 * are in flight, and records every outcome. Each request carries its id as {@code X-Request-ID}.
 */
public final class TrafficRunner {
    public static final String REQUEST_ID = "X-Request-ID";
    public static final String HOME = "/home";
    private static final long PACE_TICK_MILLIS = 2;

    private final OkHttpClient client;

    public TrafficRunner(OkHttpClient client) {
        this.client = client;
    }

    /** Sends all {@code ids} to {@code /home} at once; the dispatcher keeps at most its limit in flight. */
    public Run start(URI loadBalancer, long[] ids) {
        return start(loadBalancer, HOME, ids);
    }

    /** Sends all {@code ids} to {@code path} (with its query, answering like /home) at once. */
    public Run start(URI loadBalancer, String path, long[] ids) {
        Run run = new Run(url(loadBalancer, path), ids);
        for (int i = 0; i < ids.length; i++) run.send(i);
        return run;
    }

    /**
     * Keeps exactly {@code concurrency} requests to {@code path} in flight (each completion sends the next id), so that
     * every request's send time is when it really started; {@code concurrency} must not exceed the dispatcher's limit.
     */
    public Run startClosedLoop(URI loadBalancer, String path, long[] ids, int concurrency) {
        Run run = new Run(url(loadBalancer, path), ids);
        run.closedLoop = true;
        int first = Math.min(concurrency, ids.length);
        run.next.set(first);
        for (int i = 0; i < first; i++) run.send(i);
        return run;
    }

    /** Sends {@code ids} at a steady {@code perSecond}, e.g. to watch a failure happen under traffic. */
    public Run startPaced(URI loadBalancer, long[] ids, double perSecond) {
        Run run = new Run(url(loadBalancer, HOME), ids);
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pacer");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger next = new AtomicInteger();
        pacer.scheduleAtFixedRate(() -> {
            int due = (int) Math.min(ids.length, Math.floor(run.elapsedNanos() / 1e9 * perSecond) + 1);
            while (next.get() < due) run.send(next.getAndIncrement());
            if (next.get() >= ids.length) pacer.shutdown();
        }, 0, PACE_TICK_MILLIS, TimeUnit.MILLISECONDS);
        return run;
    }

    private static HttpUrl url(URI loadBalancer, String path) {
        return HttpUrl.get(loadBalancer.toString()).resolve(path);
    }

    /** A run in progress. */
    public final class Run {
        private final HttpUrl url;
        private final long[] ids;
        private final Outcome[] outcomes;
        private final CountDownLatch remaining;
        private final AtomicInteger done = new AtomicInteger();
        private final long startNanos = System.nanoTime();
        private final AtomicLong lastDoneNanos = new AtomicLong();
        private final AtomicInteger next = new AtomicInteger();
        private volatile boolean closedLoop;

        private Run(HttpUrl url, long[] ids) {
            this.url = url;
            this.ids = ids;
            this.outcomes = new Outcome[ids.length];
            this.remaining = new CountDownLatch(ids.length);
        }

        public int total() {
            return ids.length;
        }

        public int done() {
            return done.get();
        }

        public long elapsedNanos() {
            return System.nanoTime() - startNanos;
        }

        /** Waits for every request to complete; OkHttp's call timeout bounds each one. */
        public TrafficResult await() throws InterruptedException {
            remaining.await();
            return new TrafficResult(Arrays.asList(outcomes), lastDoneNanos.get());
        }

        private void send(int index) {
            long id = ids[index];
            long sent = elapsedNanos();
            Request request = new Request.Builder().url(url).header(REQUEST_ID, Long.toString(id)).build();
            client.newCall(request).enqueue(new Callback() {
                @Override
                public void onFailure(Call call, IOException e) {
                    record(index, sent, 0, null, e.getClass().getSimpleName() + ": " + e.getMessage());
                }

                @Override
                public void onResponse(Call call, Response response) {
                    try (response) {
                        String body = response.body().string();
                        String server = response.code() == 200 ? HomeAnswer.serverId(body).orElse(null) : null;
                        record(index, sent, response.code(), server, server != null ? null : "HTTP " + response.code() + ": " + abbreviate(body));
                    } catch (IOException e) {
                        record(index, sent, response.code(), null, e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                }
            });
        }

        private void record(int index, long sent, int status, String server, String error) {
            long at = elapsedNanos();
            outcomes[index] = new Outcome(ids[index], sent, at, status, server, error);
            lastDoneNanos.accumulateAndGet(at, Math::max);
            done.incrementAndGet();
            remaining.countDown();
            if (closedLoop) {
                int following = next.getAndIncrement();
                if (following < ids.length) send(following);
            }
        }
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 120) + "...";
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Clients that send too slowly, or not at all, against a real load balancer and a recording backend on raw
 * sockets: slow heads are answered 408 and closed at the header timeout, and connections beyond
 * --max-connections are refused with 503. Timings are printed, and asserted only loosely.
 */
class SlowClientTest {
    private static final int HEADER_TIMEOUT_MS = 2_000;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    record Closed(int status, String body, boolean closed, long afterMillis) {
    }

    @Test
    void threeHundredSlowHeadsAreAnswered408AndClosedAtTheHeaderTimeout() throws Exception {
        int n = 300;
        ExecutorService readers = Executors.newFixedThreadPool(n);
        List<Socket> sockets = new ArrayList<>();
        try (RecordingBackend backend = new RecordingBackend(30_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address(),
                     "--header-timeout", Integer.toString(HEADER_TIMEOUT_MS), "--max-connections", "1000")) {
            List<Future<Closed>> closed = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Socket socket = new Socket();
                sockets.add(socket);
                socket.connect(new InetSocketAddress("127.0.0.1", stack.lb.port()), 5_000);
                socket.setSoTimeout(15_000);
                long connected = System.nanoTime();
                socket.getOutputStream().write(ascii("GET /home HTTP/1.1\r\nHost: lb\r\n"));
                closed.add(readers.submit(() -> {
                    RawAnswer answer = RawAnswer.read(socket.getInputStream());
                    return new Closed(answer.status(), answer.body(), answer.closedAfter(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected));
                }));
            }
            Thread writer = new Thread(() -> oneHeaderLinePerSecond(sockets, 12), "slow-head-writer");
            writer.setDaemon(true);
            writer.start();

            List<Closed> results = new ArrayList<>();
            for (Future<Closed> f : closed) results.add(f.get(30, TimeUnit.SECONDS));
            List<Long> times = results.stream().map(Closed::afterMillis).sorted().toList();
            System.out.printf("SLOW HEADS: %d connections sending one header line per second, header timeout %d ms: %d answered 408 and closed, "
                            + "after %d ms (first), %d ms (median), %d ms (90th percentile), %d ms (last) from connect%n", n, HEADER_TIMEOUT_MS,
                    results.stream().filter(r -> r.status() == 408 && r.closed()).count(), times.get(0), times.get(n / 2), times.get(n * 9 / 10), times.get(n - 1));
            for (Closed r : results) {
                assertThat(r.status()).isEqualTo(408);
                assertThat(r.body()).isEqualTo(RawAnswer.error("The request head did not arrive within " + HEADER_TIMEOUT_MS + " ms"));
                assertThat(r.closed()).isTrue();
            }
            assertThat(times.get(0)).as("not before the header timeout").isGreaterThanOrEqualTo(HEADER_TIMEOUT_MS - 100);
            assertThat(times.get(n - 1)).as("well before the slow heads would be complete").isLessThan(10_000);
            assertThat(backend.requests()).isEmpty();
        } finally {
            readers.shutdownNow();
            for (Socket s : sockets) s.close();
        }
    }

    private static void oneHeaderLinePerSecond(List<Socket> sockets, int seconds) {
        for (int line = 0; line < seconds; line++) {
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                return;
            }
            for (Socket socket : sockets) {
                try {
                    socket.getOutputStream().write(ascii("X-Line-" + line + ": v\r\n"));
                } catch (IOException closed) {
                    // the load balancer closed it: what the test waits for
                }
            }
        }
    }
}

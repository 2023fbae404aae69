import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The rate limit's load (bench/ratelimit-bench.sh runs it; single-file source, java 17):
 *
 * <pre>
 * fair PORT SECONDS RATE   one client (127.0.0.11) at 5 x RATE beside four (127.0.0.12-15) at 0.8 x RATE, each a
 *                          paced keep-alive connection; prints each client's counts and the four's latency
 *                          percentiles, measured from when each request was due (so a stall is not hidden)
 * flood PORT COUNT FIRST   COUNT requests, each with its own X-Forwarded-For 10.x.y.z (numbers FIRST...), on 4
 *                          keep-alive connections from 127.0.0.1
 * </pre>
 * Loopback only; every loop is bounded by its count or its duration.
 */
public class RateLimitLoad {
    record Result(String client, long sent, long ok, long refused, long other, long[] latencyNanos) {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[1]);
        if (args[0].equals("fair")) {
            fair(port, Integer.parseInt(args[2]), Double.parseDouble(args[3]));
        } else {
            flood(port, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        }
    }

    static void fair(int port, int seconds, double rate) throws Exception {
        List<Thread> threads = new ArrayList<>();
        Result[] results = new Result[5];
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        for (int c = 0; c < 5; c++) {
            int client = c;
            double perSecond = client == 0 ? 5 * rate : 0.8 * rate;
            Thread t = new Thread(() -> results[client] = paced("127.0.0." + (11 + client), port, perSecond, start, end));
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        double elapsed = seconds;
        System.out.printf("client,rate,sent,ok,refused,other,p50_ms,p99_ms,max_ms%n");
        for (Result r : results) {
            long[] l = r.latencyNanos;
            Arrays.sort(l);
            System.out.printf("%s,%.1f,%d,%d,%d,%d,%.3f,%.3f,%.3f%n", r.client, r.sent / elapsed, r.sent, r.ok, r.refused, r.other,
                    pct(l, 0.50), pct(l, 0.99), l.length == 0 ? 0 : l[l.length - 1] / 1e6);
        }
        long[] four = Arrays.stream(results, 1, 5).flatMapToLong(r -> Arrays.stream(r.latencyNanos)).sorted().toArray();
        System.out.printf("four_within,p50_ms=%.3f,p99_ms=%.3f,max_ms=%.3f,requests=%d%n", pct(four, 0.5), pct(four, 0.99), four[four.length - 1] / 1e6, four.length);
    }

    static double pct(long[] sorted, double q) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    /** Requests at {@code perSecond}, each due at start + n / perSecond, until {@code end}; late ones go at once. */
    static Result paced(String source, int port, double perSecond, long start, long end) {
        long interval = (long) (1e9 / perSecond);
        long sent = 0, ok = 0, refused = 0, other = 0;
        long[] latency = new long[(int) ((end - start) / interval) + 2];
        int latencies = 0;
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(5_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            for (long due = start; due < end; due += interval) {
                long wait = due - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
                out.write(("GET /home HTTP/1.1\r\nHost: lb\r\nX-Request-ID: " + (100_000 + sent % 900_000) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                int status = readAnswer(in);
                long took = System.nanoTime() - due;
                sent++;
                if (status == 200) {
                    ok++;
                    latency[latencies++] = took;
                } else if (status == 429) {
                    refused++;
                } else {
                    other++;
                }
            }
        } catch (IOException e) {
            System.err.println(source + ": " + e);
        }
        return new Result(source, sent, ok, refused, other, Arrays.copyOf(latency, latencies));
    }

    static void flood(int port, int count, int first) throws Exception {
        AtomicLong next = new AtomicLong(first);
        long last = (long) first + count;
        AtomicLong ok = new AtomicLong(), refused = new AtomicLong(), other = new AtomicLong();
        long began = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            Thread t = new Thread(() -> {
                try (Socket socket = new Socket("127.0.0.1", port)) {
                    socket.setTcpNoDelay(true);
                    socket.setSoTimeout(5_000);
                    InputStream in = new BufferedInputStream(socket.getInputStream());
                    OutputStream out = socket.getOutputStream();
                    long n;
                    while ((n = next.getAndIncrement()) < last) {
                        String client = "10." + ((n >> 16) & 255) + "." + ((n >> 8) & 255) + "." + (n & 255);
                        out.write(("GET /home HTTP/1.1\r\nHost: lb\r\nX-Forwarded-For: " + client + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        int status = readAnswer(in);
                        (status == 200 ? ok : status == 429 ? refused : other).incrementAndGet();
                    }
                } catch (IOException e) {
                    System.err.println("flood: " + e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        System.out.printf("flood,%d,ok=%d,refused=%d,other=%d,seconds=%.1f%n", count, ok.get(), refused.get(), other.get(), (System.nanoTime() - began) / 1e9);
    }

    /** Reads one answer with a Content-Length body; its status. */
    static int readAnswer(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) throw new IOException("closed");
            head.append((char) b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString();
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) length = Integer.parseInt(line.substring(15).trim());
        }
        in.readNBytes(length);
        return Integer.parseInt(text.substring(9, 12));
    }
}

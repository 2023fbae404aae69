package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bodies of any size streaming through the load balancer both ways, on raw sockets, with its memory watched. */
class StreamingTest {
    private static final long MIB = 1024 * 1024;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void a20MiBDownloadArrivesByteExact(boolean chunked) throws Exception {
        try (StreamingBackend backend = new StreamingBackend();
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address());
             Socket client = connect(stack)) {
            long bytes = 20 * MIB + 13;
            send(client, "GET /download?bytes=" + bytes + (chunked ? "&chunked=1" : "") + " HTTP/1.1\r\nHost: lb\r\n\r\n");
            String head = RawHttp.readHead(client.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 200");
            assertThat(RawHttp.headers(head)).containsEntry(chunked ? "transfer-encoding" : "content-length", chunked ? "chunked" : Long.toString(bytes));
            StreamingBackend.Sha256 sha = new StreamingBackend.Sha256();
            RawHttp.copyBody(client.getInputStream(), RawHttp.headers(head), sha, false);
            assertThat(sha.count).isEqualTo(bytes);
            assertThat(sha.hex()).isEqualTo(StreamingBackend.patternSha256(bytes));

            send(client, "HEAD /download?bytes=1000 HTTP/1.1\r\nHost: lb\r\n\r\n");
            Map<String, String> headHeaders = RawHttp.headers(RawHttp.readHead(client.getInputStream()));
            assertThat(headHeaders).as("HEAD keeps the length, sends no body").containsEntry("content-length", "1000");
            send(client, "GET /download?bytes=5 HTTP/1.1\r\nHost: lb\r\n\r\n");
            String next = RawHttp.readHead(client.getInputStream());
            assertThat(next).as("the same connection goes on after HEAD").startsWith("HTTP/1.1 200");
            assertThat(RawHttp.readBody(client.getInputStream(), RawHttp.headers(next))).hasSize(5);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anUploadOver8MiBArrivesByteExact(boolean chunked) throws Exception {
        try (StreamingBackend backend = new StreamingBackend();
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address());
             Socket client = connect(stack)) {
            long bytes = 12 * MIB + 7;
            send(client, "POST /upload HTTP/1.1\r\nHost: lb\r\n" + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + bytes
                    + "\r\nExpect: 100-continue") + "\r\n\r\n");
            if (!chunked) assertThat(RawHttp.readHead(client.getInputStream())).as("the client is told to go on").startsWith("HTTP/1.1 100");
            OutputStream out = client.getOutputStream();
            if (chunked) {
                for (long left = bytes; left > 0; left -= 100_000) {
                    int n = (int) Math.min(100_000, left);
                    out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    StreamingBackend.pattern(out, n); // each chunk starts the pattern again
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            } else {
                StreamingBackend.pattern(out, bytes);
            }
            out.flush();
            String head = RawHttp.readHead(client.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 200");
            String answer = new String(RawHttp.readBody(client.getInputStream(), RawHttp.headers(head)), StandardCharsets.ISO_8859_1);
            String expected = chunked ? chunkedPatternSha256(bytes, 100_000) : StreamingBackend.patternSha256(bytes);
            assertThat(answer).isEqualTo(bytes + " " + expected);
        }
    }

    @Test
    void aClientThatDoesNotReadHoldsTheLoadBalancersMemoryFlat() throws Exception {
        try (StreamingBackend backend = new StreamingBackend();
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address());
             Socket client = connect(stack);
             MemoryWatch memory = new MemoryWatch()) {
            long bytes = 200 * MIB;
            send(client, "GET /download?bytes=" + bytes + " HTTP/1.1\r\nHost: lb\r\n\r\n");
            String head = RawHttp.readHead(client.getInputStream());
            Thread.sleep(3_000); // the replica could send it all meanwhile; the load balancer must stop reading it
            long pausedPeak = memory.peak();
            StreamingBackend.Sha256 sha = new StreamingBackend.Sha256();
            long t0 = System.nanoTime();
            RawHttp.copyBody(client.getInputStream(), RawHttp.headers(head), sha, false);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("SLOW READER 200 MiB download: Netty memory before %d MiB, peak while paused %d MiB, peak overall %d MiB;"
                    + " heap peak %d MiB; read at %.0f MiB/s after the pause%n", memory.start / MIB, pausedPeak / MIB, memory.peak() / MIB,
                    memory.heapPeak.get() / MIB, bytes / MIB / seconds);
            assertThat(sha.hex()).isEqualTo(StreamingBackend.patternSha256(bytes));
            assertThat(memory.peak() - memory.start).as("Netty memory growth while 200 MiB flowed to a slow reader").isLessThan(48 * MIB);
        }
    }

    @Test
    void aReplicaThatDoesNotReadHoldsTheLoadBalancersMemoryFlat() throws Exception {
        try (StreamingBackend backend = new StreamingBackend();
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address());
             Socket client = connect(stack);
             MemoryWatch memory = new MemoryWatch()) {
            long bytes = 200 * MIB;
            send(client, "POST /upload?pauseMs=3000 HTTP/1.1\r\nHost: lb\r\nContent-Length: " + bytes + "\r\n\r\n");
            long t0 = System.nanoTime();
            StreamingBackend.pattern(client.getOutputStream(), bytes);
            client.getOutputStream().flush();
            String head = RawHttp.readHead(client.getInputStream());
            double seconds = (System.nanoTime() - t0) / 1e9;
            String answer = new String(RawHttp.readBody(client.getInputStream(), RawHttp.headers(head)), StandardCharsets.ISO_8859_1);
            System.out.printf("SLOW REPLICA 200 MiB upload (replica reads after 3 s): Netty memory before %d MiB, peak %d MiB; heap peak %d MiB;"
                    + " %.1f s in all%n", memory.start / MIB, memory.peak() / MIB, memory.heapPeak.get() / MIB, seconds);
            assertThat(answer).isEqualTo(bytes + " " + StreamingBackend.patternSha256(bytes));
            assertThat(memory.peak() - memory.start).as("Netty memory growth while 200 MiB flowed to a slow replica").isLessThan(48 * MIB);
        }
    }

    @Test
    void aFailureBeforeTheFirstByteIsRetriedWithItsBodyAndOneAfterClosesTheClient() throws Exception {
        try (StreamingBackend broken = new StreamingBackend(true);
             StreamingBackend healthy = new StreamingBackend();
             TestStack stack = TestStack.start("--runtime", "static", "--backends", broken.address() + "," + healthy.address(),
                     "--failure-threshold", "1000")) {
            String toBroken = Long.toString(stack.idServedBy(broken.address()));

            try (Socket client = connect(stack)) { // the broken replica reads the whole body and hangs up: nothing was answered
                long bytes = 40_000;
                send(client, "PUT /upload HTTP/1.1\r\nHost: lb\r\nX-Request-ID: " + toBroken + "\r\nContent-Length: " + bytes + "\r\n\r\n");
                StreamingBackend.pattern(client.getOutputStream(), bytes);
                String head = RawHttp.readHead(client.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 200");
                assertThat(new String(RawHttp.readBody(client.getInputStream(), RawHttp.headers(head)), StandardCharsets.ISO_8859_1))
                        .as("the body, kept, went again to the next replica").isEqualTo(bytes + " " + StreamingBackend.patternSha256(bytes));
                assertThat(broken.count("/upload")).isEqualTo(1);
                assertThat(healthy.count("/upload")).isEqualTo(1);
            }

            try (Socket client = connect(stack)) { // larger than --retry-buffer: it flowed, it cannot be sent again
                long bytes = 1 * MIB;
                send(client, "PUT /upload HTTP/1.1\r\nHost: lb\r\nX-Request-ID: " + toBroken + "\r\nContent-Length: " + bytes + "\r\n\r\n");
                StreamingBackend.pattern(client.getOutputStream(), bytes);
                String head = RawHttp.readHead(client.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 502");
                assertThat(new String(RawHttp.readBody(client.getInputStream(), RawHttp.headers(head)), StandardCharsets.UTF_8))
                        .contains("--retry-buffer");
                assertThat(healthy.count("/upload")).isEqualTo(1);
            }

            try (Socket client = connect(stack)) { // the replica dies after 1 MiB of its answer went to the client
                send(client, "GET /download?bytes=" + 20 * MIB + " HTTP/1.1\r\nHost: lb\r\nX-Request-ID: " + toBroken + "\r\n\r\n");
                String head = RawHttp.readHead(client.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 200");
                StreamingBackend.Sha256 sha = new StreamingBackend.Sha256();
                assertThatThrownBy(() -> RawHttp.copyBody(client.getInputStream(), RawHttp.headers(head), sha, false))
                        .as("the client connection closes mid-body").isInstanceOf(IOException.class);
                System.out.printf("MID-ANSWER DEATH: the client got %d of %d bytes, then its connection closed%n", sha.count, 20 * MIB);
                assertThat(sha.count).isLessThan(20 * MIB);
                assertThat(healthy.count("/download")).as("no other replica's answer spliced on").isZero();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"append", "replace", "off"})
    void theReplicaLearnsWhoTheClientIs(String mode) throws Exception {
        try (RecordingBackend backend = new RecordingBackend(30_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address(), "--forwarded", mode);
             Socket client = connect(stack)) {
            send(client, "GET /home HTTP/1.1\r\nHost: shop.example:8443\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\r\n");
            String head = RawHttp.readHead(client.getInputStream());
            RawHttp.readBody(client.getInputStream(), RawHttp.headers(head));
            Map<String, String> seen = backend.requests().get(0).headers();
            switch (mode) {
                case "append" -> assertThat(seen).containsEntry("x-forwarded-for", "203.0.113.7, 127.0.0.1")
                        .containsEntry("x-forwarded-proto", "https").containsEntry("x-forwarded-host", "shop.example:8443");
                case "replace" -> assertThat(seen).containsEntry("x-forwarded-for", "127.0.0.1")
                        .containsEntry("x-forwarded-proto", "http").containsEntry("x-forwarded-host", "shop.example:8443");
                default -> assertThat(seen).containsEntry("x-forwarded-for", "203.0.113.7")
                        .containsEntry("x-forwarded-proto", "https").doesNotContainKey("x-forwarded-host");
            }
            assertThat(seen).containsEntry("host", backend.address());
        }
    }

    @Test
    void aWebSocketEchoesThroughTheLoadBalancerUntilItIsIdleTooLong() throws Exception {
        try (StreamingBackend backend = new StreamingBackend();
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address(), "--tunnel-idle-timeout", "1500");
             Socket client = connect(stack)) {
            String key = Base64.getEncoder().encodeToString("the sample nonce".getBytes(StandardCharsets.ISO_8859_1));
            send(client, "GET /ws HTTP/1.1\r\nHost: lb\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
            String head = RawHttp.readHead(client.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 101");
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
            assertThat(RawHttp.headers(head)).containsEntry("sec-websocket-accept", accept).containsEntry("upgrade", "websocket");
            for (String text : new String[] {"hello", "through the load balancer", "GET / HTTP/1.1"}) {
                writeFrame(client.getOutputStream(), 0x81, text);
                assertThat(readFrame(client.getInputStream())).isEqualTo(text);
            }
            long t0 = System.nanoTime();
            client.setSoTimeout(15_000);
            assertThat(client.getInputStream().read()).as("the idle tunnel is closed").isEqualTo(-1);
            System.out.printf("TUNNEL closed after %d ms idle (--tunnel-idle-timeout 1500)%n", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    @Test
    void aTooLargeAdminBodyIsAlwaysTheSame400() throws Exception {
        try (StreamingBackend backend = new StreamingBackend();
             TestStack stack = TestStack.start("--runtime", "static", "--backends", backend.address())) {
            String body = "{\"n\": 1, \"hostnames\": [\"" + "x".repeat(2_000_000) + "\"]}";
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> response = stack.send("POST", "/add", body);
                assertThat(response.statusCode()).as("attempt %d", i).isEqualTo(400);
                assertThat(response.body()).contains("Request body too large");
            }
        }
    }

    private static String chunkedPatternSha256(long bytes, int chunk) throws IOException {
        StreamingBackend.Sha256 sha = new StreamingBackend.Sha256();
        for (long left = bytes; left > 0; left -= chunk) StreamingBackend.pattern(sha, Math.min(chunk, left));
        return sha.hex();
    }

    static Socket connect(TestStack stack) throws IOException {
        Socket socket = new Socket("127.0.0.1", stack.lb.port());
        socket.setSoTimeout(60_000);
        return socket;
    }

    static void send(Socket socket, String head) throws IOException {
        socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    private static void writeFrame(OutputStream out, int first, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        out.write(first);
        out.write(0x80 | payload.length);
        out.write(mask);
        for (int i = 0; i < payload.length; i++) out.write(payload[i] ^ mask[i % 4]);
        out.flush();
    }

    private static String readFrame(InputStream in) throws IOException {
        assertThat(in.read()).isEqualTo(0x81);
        int length = in.read();
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** Samples the Netty allocator's memory (the load balancer runs in this JVM) and the heap, every 20 ms. */
    static final class MemoryWatch implements AutoCloseable {
        final long start = nettyMemory();
        final AtomicLong peak = new AtomicLong(start);
        final AtomicLong heapPeak = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread sampler;

        MemoryWatch() {
            sampler = new Thread(() -> {
                while (running.get()) {
                    peak.accumulateAndGet(nettyMemory(), Math::max);
                    Runtime rt = Runtime.getRuntime();
                    heapPeak.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "memory-watch");
            sampler.setDaemon(true);
            sampler.start();
        }

        long peak() {
            return peak.get();
        }

        /**
         * Off-heap memory in use: Netty's own counter where it allocates without a cleaner, the JVM's direct buffer pool
         * otherwise, and whatever the default allocator reports on top.
         */
        static long nettyMemory() {
            long direct = Math.max(PlatformDependent.usedDirectMemory(), ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum());
            long allocator = ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider metrics
                    ? metrics.metric().usedDirectMemory() + metrics.metric().usedHeapMemory() : 0;
            return direct + allocator;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            sampler.join(1_000);
        }
    }
}

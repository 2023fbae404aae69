package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.lb.tls.CertificateFiles;
import dev.clb.lb.tls.TestCertificates;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large bodies both ways over HTTP/2 (TLS, the JDK's client), with the far side slow: the stream's flow control must
 * stop the load balancer reading what it cannot pass on, so that its memory stays flat whatever the size.
 */
class Http2StreamingTest {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    private HttpClient client(CertificateFiles certificate) throws Exception {
        return HttpClient.newBuilder().sslContext(TestCertificates.trusting(certificate.chain())).version(HttpClient.Version.HTTP_2).build();
    }

    private TestStack start(StreamingBackend backend, CertificateFiles certificate) throws Exception {
        return TestStack.start("--runtime", "static", "--backends", backend.address(), "--tls-port", "0", "--tls-cert", certificate.chain().toString(),
                "--tls-key", certificate.key().toString());
    }

    @Test
    void aSlowReaderOfA100MiBDownloadHoldsTheLoadBalancersMemoryFlat() throws Exception {
        CertificateFiles certificate = TestCertificates.ec(1, "localhost").writeTo(dir.resolve("c.crt"), dir.resolve("c.key"), true);
        try (StreamingBackend backend = new StreamingBackend(); TestStack stack = start(backend, certificate);
             StreamingTest.MemoryWatch memory = new StreamingTest.MemoryWatch()) {
            long bytes = 100 * MIB + 3;
            HttpResponse<InputStream> response = client(certificate).send(HttpRequest.newBuilder(URI.create("https://localhost:"
                    + stack.lb.tlsPort().orElseThrow() + "/download?bytes=" + bytes)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
            Thread.sleep(3_000); // the replica could send it all meanwhile; the load balancer must stop reading it
            long pausedPeak = memory.peak();
            StreamingBackend.Sha256 sha = new StreamingBackend.Sha256();
            try (InputStream body = response.body()) {
                body.transferTo(sha);
            }
            System.out.printf("HTTP/2 SLOW READER 100 MiB download: Netty memory before %d MiB, peak while paused %d MiB, peak overall %d MiB%n",
                    memory.start / MIB, pausedPeak / MIB, memory.peak() / MIB);
            assertThat(sha.count).isEqualTo(bytes);
            assertThat(sha.hex()).isEqualTo(StreamingBackend.patternSha256(bytes));
            assertThat(memory.peak() - memory.start).as("Netty memory growth while 100 MiB flowed to a slow HTTP/2 reader").isLessThan(48 * MIB);
        }
    }

    @Test
    void aReplicaThatDoesNotReadA100MiBUploadHoldsTheLoadBalancersMemoryFlat() throws Exception {
        CertificateFiles certificate = TestCertificates.ec(1, "localhost").writeTo(dir.resolve("c.crt"), dir.resolve("c.key"), true);
        try (StreamingBackend backend = new StreamingBackend(); TestStack stack = start(backend, certificate);
             StreamingTest.MemoryWatch memory = new StreamingTest.MemoryWatch()) {
            long bytes = 100 * MIB + 5;
            HttpRequest upload = HttpRequest.newBuilder(URI.create("https://localhost:" + stack.lb.tlsPort().orElseThrow() + "/upload?pauseMs=3000"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(bytes))).build();
            long t0 = System.nanoTime();
            HttpResponse<String> answer = client(certificate).send(upload, HttpResponse.BodyHandlers.ofString());
            System.out.printf("HTTP/2 SLOW REPLICA 100 MiB upload (replica reads after 3 s): Netty memory before %d MiB, peak %d MiB; %.1f s%n",
                    memory.start / MIB, memory.peak() / MIB, (System.nanoTime() - t0) / 1e9);
            assertThat(answer.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(answer.body()).isEqualTo(bytes + " " + StreamingBackend.patternSha256(bytes));
            assertThat(memory.peak() - memory.start).as("Netty memory growth while 100 MiB flowed to a slow replica over HTTP/2").isLessThan(48 * MIB);
        }
    }

    @Test
    void anUploadHeldBackByASlowReplicaLeavesTheConnectionsOtherStreamsFlowing() throws Exception {
        CertificateFiles certificate = TestCertificates.ec(1, "localhost").writeTo(dir.resolve("c.crt"), dir.resolve("c.key"), true);
        try (StreamingBackend backend = new StreamingBackend(); TestStack stack = start(backend, certificate)) {
            HttpClient client = client(certificate); // one client, one HTTP/2 connection for both uploads
            String base = "https://localhost:" + stack.lb.tlsPort().orElseThrow();
            client.send(HttpRequest.newBuilder(URI.create(base + "/upload")).POST(HttpRequest.BodyPublishers.ofString("warm")).build(),
                    HttpResponse.BodyHandlers.ofString());
            long bytes = MIB, heldBytes = 64 * MIB; // more than the kernel's socket buffers take while the replica does not read
            var held = client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/upload?pauseMs=4000"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(heldBytes))).build(), HttpResponse.BodyHandlers.ofString());
            Thread.sleep(1_000);
            long t0 = System.nanoTime();
            HttpResponse<String> other = client.send(HttpRequest.newBuilder(URI.create(base + "/upload"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(bytes))).build(), HttpResponse.BodyHandlers.ofString());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("HTTP/2 NEIGHBOUR UPLOAD: 1 MiB beside a held upload answered in %d ms%n", ms);
            assertThat(other.body()).isEqualTo(bytes + " " + StreamingBackend.patternSha256(bytes));
            assertThat(ms).as("not waiting for the held upload's replica (4 s)").isLessThan(3_000);
            assertThat(held.get().body()).isEqualTo(heldBytes + " " + StreamingBackend.patternSha256(heldBytes));
        }
    }

    /** {@code bytes} bytes of the test pattern as a stream. */
    private static final class PatternStream extends InputStream {
        private final java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
        private final byte[] pattern;
        private long left;
        private int at;

        PatternStream(long bytes) {
            try {
                StreamingBackend.pattern(block, 64 * 1024);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            pattern = block.toByteArray();
            left = bytes;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) return -1;
            int n = (int) Math.min(Math.min(len, left), pattern.length - at);
            System.arraycopy(pattern, at, b, off, n);
            at = (at + n) % pattern.length;
            left -= n;
            return n;
        }
    }
}

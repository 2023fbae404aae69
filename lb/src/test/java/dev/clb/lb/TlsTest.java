package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.clb.lb.tls.CertificateFiles;
import dev.clb.lb.tls.TestCertificates;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS port on real sockets: SNI, ALPN, HTTP/2 and HTTP/1.1 through it, live certificate swaps, stalled handshakes. */
class TlsTest {
    @TempDir
    Path dir;

    private record Stack(TestStack stack, List<RecordingBackend> backends, CertificateFiles first, CertificateFiles second) implements AutoCloseable {
        String https(String path) {
            return "https://localhost:" + stack.lb.tlsPort().orElseThrow() + path;
        }

        int tlsPort() {
            return stack.lb.tlsPort().orElseThrow();
        }

        /** The backends that received a request with this id. */
        java.util.Set<Integer> backendsThatSaw(String id) {
            java.util.Set<Integer> saw = new java.util.HashSet<>();
            for (int i = 0; i < backends.size(); i++) {
                if (backends.get(i).requests().stream().anyMatch(r -> id.equals(r.headers().get("x-request-id")))) saw.add(i);
            }
            return saw;
        }

        /** Which backend received the request with this id. */
        int servedBy(String id) {
            for (int i = 0; i < backends.size(); i++) {
                if (backends.get(i).requests().stream().anyMatch(r -> id.equals(r.headers().get("x-request-id")))) return i;
            }
            return -1;
        }

        @Override
        public void close() throws Exception {
            stack.close();
            for (RecordingBackend backend : backends) backend.close();
        }
    }

    private Stack start(String... more) throws Exception {
        CertificateFiles first = TestCertificates.ec(1, "localhost", "a.test").writeTo(dir.resolve("first.crt"), dir.resolve("first.key"), true);
        CertificateFiles second = TestCertificates.rsa(2, java.time.Instant.now().plus(Duration.ofDays(9)), "*.b.test")
                .writeTo(dir.resolve("second.crt"), dir.resolve("second.key"), false);
        List<RecordingBackend> backends = new ArrayList<>();
        for (int i = 0; i < 3; i++) backends.add(new RecordingBackend(5_000, false));
        List<String> args = new ArrayList<>(List.of("--runtime", "static", "--backends",
                String.join(",", backends.stream().map(RecordingBackend::address).toList()), "--tls-port", "0",
                "--tls-cert", first.chain() + "," + second.chain(), "--tls-key", first.key() + "," + second.key()));
        args.addAll(List.of(more));
        return new Stack(TestStack.start(args.toArray(String[]::new)), backends, first, second);
    }

    /** Trusts every certificate: the tests look at which one was served. */
    private static SSLContext trustingAll() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String auth) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String auth) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return context;
    }

    private record Handshake(long serial, String protocol, String version, SSLSocket socket) {
    }

    private static Handshake handshake(int port, String sni, String... alpn) throws Exception {
        SSLSocket socket = (SSLSocket) trustingAll().getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters parameters = socket.getSSLParameters();
        if (sni != null) parameters.setServerNames(List.of(new SNIHostName(sni)));
        parameters.setApplicationProtocols(alpn);
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
        return new Handshake(leaf.getSerialNumber().longValue(), socket.getApplicationProtocol(), socket.getSession().getProtocol(), socket);
    }

    @Test
    void sniPicksTheCertificateAndAlpnTheProtocol() throws Exception {
        try (Stack s = start()) {
            assertThat(handshake(s.tlsPort(), "a.test", "h2", "http/1.1").serial()).isEqualTo(1);
            assertThat(handshake(s.tlsPort(), "x.b.test", "h2", "http/1.1").serial()).as("the wildcard of the second").isEqualTo(2);
            assertThat(handshake(s.tlsPort(), "other.test", "h2").serial()).as("no match: the first").isEqualTo(1);
            Handshake noSni = handshake(s.tlsPort(), null, "h2", "http/1.1");
            assertThat(noSni.serial()).isEqualTo(1);
            assertThat(noSni.protocol()).isEqualTo("h2");
            assertThat(noSni.version()).isEqualTo("TLSv1.3");
            assertThat(handshake(s.tlsPort(), "a.test", "http/1.1").protocol()).isEqualTo("http/1.1");
            assertThat(handshake(s.tlsPort(), "a.test").protocol()).as("no ALPN: HTTP/1.1").isIn("", null);
        }
    }

    @Test
    void http2AndHttps11AreRoutedAndAnsweredAsPlainHttpIs() throws Exception {
        try (Stack s = start()) {
            HttpClient h2 = HttpClient.newBuilder().sslContext(TestCertificates.trusting(s.first().chain())).version(HttpClient.Version.HTTP_2).build();
            HttpClient h11 = HttpClient.newBuilder().sslContext(TestCertificates.trusting(s.first().chain())).version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 30; i++) {
                String id = Integer.toString(300_000 + 7919 * i);
                HttpResponse<String> overH2 = h2.send(HttpRequest.newBuilder(URI.create(s.https("/home"))).header("X-Request-ID", id).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(overH2.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(overH2.statusCode()).isEqualTo(200);
                assertThat(overH2.body()).isEqualTo("{\"id\": \"" + id + "\"}");
                assertThat(s.stack().get("/home", id).body()).isEqualTo(overH2.body());
                assertThat(s.backendsThatSaw(id)).as("id " + id + " over HTTP/2 and plain HTTP/1.1: one backend").hasSize(1);
            }
            // one id, three ways in: one backend
            String id = "424242";
            h2.send(HttpRequest.newBuilder(URI.create(s.https("/home"))).header("X-Request-ID", id).build(), HttpResponse.BodyHandlers.ofString());
            int viaH2 = s.servedBy(id);
            s.backends().forEach(b -> b.received.clear());
            h11.send(HttpRequest.newBuilder(URI.create(s.https("/home"))).header("X-Request-ID", id).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(s.servedBy(id)).isEqualTo(viaH2);
            s.backends().forEach(b -> b.received.clear());
            s.stack().get("/home", id);
            assertThat(s.servedBy(id)).isEqualTo(viaH2);

            RecordingBackend.Received seen = s.backends().get(viaH2).requests().get(0);
            assertThat(seen.headers()).containsEntry("x-forwarded-proto", "http").containsEntry("x-forwarded-host", "127.0.0.1:" + s.stack().lb.port());
            s.backends().forEach(b -> b.received.clear());
            h2.send(HttpRequest.newBuilder(URI.create(s.https("/echo"))).header("X-Request-ID", id).POST(HttpRequest.BodyPublishers.ofString("payload")).build(),
                    HttpResponse.BodyHandlers.ofString());
            RecordingBackend.Received overTls = s.backends().get(s.servedBy(id)).requests().get(0);
            assertThat(overTls.headers()).as("what the replica is told of an HTTP/2 request over TLS")
                    .containsEntry("x-forwarded-proto", "https").containsEntry("x-forwarded-host", "localhost:" + s.tlsPort())
                    .doesNotContainKeys("x-http2-stream-id", "x-http2-scheme");
            assertThat(new String(overTls.body(), StandardCharsets.UTF_8)).isEqualTo("payload");

            for (HttpClient client : List.of(h2, h11)) {
                HttpResponse<String> rep = client.send(HttpRequest.newBuilder(URI.create(s.https("/rep"))).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(rep.body()).as("/rep byte for byte").isEqualTo(s.stack().get("/rep").body());
                HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(s.https("/missing"))).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(missing.statusCode()).isEqualTo(400);
                assertThat(missing.body()).isEqualTo("{\"message\": \"<Error> '/missing' endpoint does not exist in server replicas\", \"status\": \"failure\"}");
            }
            SSLParameters tls12 = new SSLParameters();
            tls12.setProtocols(new String[] {"TLSv1.2"});
            HttpClient h11OverTls12 = HttpClient.newBuilder().sslContext(TestCertificates.trusting(s.first().chain())).sslParameters(tls12)
                    .version(HttpClient.Version.HTTP_1_1).build();
            assertThat(h11OverTls12.send(HttpRequest.newBuilder(URI.create(s.https("/home"))).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
            PrometheusScrape metrics = PrometheusScrape.of(s.stack().lb.managementPort().getAsInt());
            assertThat(metrics.text()).contains("lb_client_requests_total{protocol=\"HTTP/2\",scheme=\"https\",tls=\"TLSv1.3\"} 34.0")
                    .contains("lb_client_requests_total{protocol=\"HTTP/1.1\",scheme=\"https\",tls=\"TLSv1.3\"} 3.0")
                    .contains("lb_client_requests_total{protocol=\"HTTP/1.1\",scheme=\"https\",tls=\"TLSv1.2\"} 1.0")
                    .contains("lb_client_requests_total{protocol=\"HTTP/1.1\",scheme=\"http\",tls=\"none\"} 33.0");
            HttpResponse<String> bad = h2.send(HttpRequest.newBuilder(URI.create(s.https("/add"))).POST(HttpRequest.BodyPublishers.ofString("{\"n\": 0}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).startsWith("{\"message\": \"<Error> ");
        }
    }

    @Test
    void aSwappedCertificateServesNewHandshakesWhileOpenConnectionsKeepTheirs() throws Exception {
        try (Stack s = start()) {
            Handshake before = handshake(s.tlsPort(), "a.test", "http/1.1");
            assertThat(before.serial()).isEqualTo(1);
            assertThat(get(before.socket(), "/home")).startsWith("HTTP/1.1 200");

            long written = System.nanoTime();
            TestCertificates.ec(7, "localhost", "a.test").writeTo(s.first().chain(), s.first().key(), false);
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> handshake(s.tlsPort(), "a.test").serial() == 7);
            System.out.printf("TLS SWAP ON THE WIRE: new handshakes get the new certificate %d ms after the files changed%n",
                    (System.nanoTime() - written) / 1_000_000);
            assertThat(get(before.socket(), "/home")).as("the connection opened before is still served").startsWith("HTTP/1.1 200");
            assertThat(((X509Certificate) before.socket().getSession().getPeerCertificates()[0]).getSerialNumber().longValue()).isEqualTo(1);

            Files.writeString(s.first().chain(), "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n");
            Thread.sleep(1_000);
            assertThat(handshake(s.tlsPort(), "a.test").serial()).as("a bad file changes nothing").isEqualTo(7);
            String metrics = PrometheusScrape.of(s.stack().lb.managementPort().getAsInt()).text();
            assertThat(metrics).contains("lb_tls_reloads_total{result=\"applied\"} 1.0").contains("lb_tls_reloads_total{result=\"refused\"} 1.0")
                    .contains("lb_tls_handshakes_total{protocol=\"http/1.1\",result=\"ok\",version=\"TLSv1.3\"}");
            before.socket().close();
        }
    }

    /** The serial of the certificate a fresh handshake is given. */
    private static long servedSerial(int port) throws Exception {
        Handshake handshake = handshake(port, "localhost", "http/1.1");
        handshake.socket().close();
        return handshake.serial();
    }

    @Test
    void sighupReadsTheCertificatesAgainWhereTheWatchCannotSeeTheirChange() throws Exception {
        Path chain = dir.resolve("edge.crt");
        Path key = dir.resolve("edge.key");
        TestCertificates.ec(1, "localhost").writeTo(chain, key, true);
        // the renewal is written in place keeping the inode, the size and the modification time (as a copy that keeps
        // them, or a network filesystem's attribute cache, shows it): the files' stamps do not change, only SIGHUP tells
        CertificateFiles renewal = null;
        for (int serial = 2; serial < 200 && renewal == null; serial++) {
            CertificateFiles made = TestCertificates.ec(serial, "localhost").writeTo(dir.resolve("renewal.crt"), dir.resolve("renewal.key"), true);
            if (Files.size(made.chain()) == Files.size(chain) && Files.size(made.key()) == Files.size(key)) renewal = made;
        }
        assertThat(renewal).as("a renewal of the same size").isNotNull();
        long renewedSerial = handshakeSerialOf(renewal.chain());
        try (RecordingBackend backend = new RecordingBackend(5_000, false);
             LoadBalancerChild lb = LoadBalancerChild.start("--runtime", "static", "--backends", backend.address(), "--tls-port", "0",
                     "--tls-cert", chain.toString(), "--tls-key", key.toString())) {
            int port = lb.tlsPort(Duration.ofSeconds(60));
            assertThat(servedSerial(port)).isEqualTo(1);

            for (Path[] pair : new Path[][] {{renewal.chain(), chain}, {renewal.key(), key}}) {
                java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(pair[1]);
                Files.write(pair[1], Files.readAllBytes(pair[0]));
                Files.setLastModifiedTime(pair[1], modified);
            }
            Thread.sleep(4 * 150); // four looks of the watch: nothing announces a look that saw nothing
            assertThat(servedSerial(port)).as("the watch does not see a change that kept the stamps").isEqualTo(1);

            assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(lb.process.pid())).start().waitFor()).isZero();
            await("the renewal served after SIGHUP").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> servedSerial(port) == renewedSerial);
            assertThat(lb.process.isAlive()).as("SIGHUP does not stop it").isTrue();
            assertThat(lb.stderr()).anyMatch(line -> line.contains("TLS certificate reloaded on SIGHUP"));
        }
    }

    private static long handshakeSerialOf(Path chain) throws Exception {
        try (java.io.InputStream in = Files.newInputStream(chain)) {
            return ((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in)).getSerialNumber().longValue();
        }
    }

    @Test
    void aHandshakeThatStallsIsCutByTheHeaderTimeout() throws Exception {
        try (Stack s = start("--header-timeout", "400")) {
            for (byte[] sent : List.of(new byte[0], new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01})) { // nothing, then a ClientHello's first bytes
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", s.tlsPort()));
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write(sent);
                    long start = System.nanoTime();
                    int read;
                    try {
                        do {
                            read = socket.getInputStream().read();
                        } while (read >= 0);
                    } catch (java.net.SocketException reset) {
                        read = -1;
                    }
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    System.out.printf("TLS STALL: a handshake with %d bytes sent closed after %d ms (header timeout 400)%n", sent.length, ms);
                    assertThat(ms).isBetween(300L, 3_000L);
                }
            }
            assertThat(PrometheusScrape.of(s.stack().lb.managementPort().getAsInt()).text()).contains("lb_tls_handshakes_total{protocol=\"none\",result=\"timeout\"");
        }
    }

    @Test
    void tlsConnectionsCountAgainstTheConnectionLimitAndOneOverIsClosedBeforeAnyHandshake() throws Exception {
        try (Stack s = start("--max-connections", "2")) {
            Handshake one = handshake(s.tlsPort(), "a.test", "http/1.1");
            try (Socket two = new Socket("127.0.0.1", s.stack().lb.port())) {
                assertThat(get(one.socket(), "/home")).startsWith("HTTP/1.1 200");
                assertThatThrownBy(() -> handshake(s.tlsPort(), "a.test", "http/1.1")).as("the third, over the limit")
                        .isInstanceOf(java.io.IOException.class);
                assertThat(two.isConnected()).isTrue();
            }
            one.socket().close();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(handshake(s.tlsPort(), "a.test", "http/1.1").serial()).isEqualTo(1));
        }
    }

    @Test
    void aStartWithABadCertificateIsRefusedSayingWhy() throws Exception {
        Path chain = dir.resolve("a.crt"), key = dir.resolve("a.key");
        TestCertificates.ec(1, java.time.Instant.now().minus(Duration.ofDays(2)), "a.test").writeTo(chain, key, true);
        assertThatThrownBy(() -> TestStack.start("--runtime", "static", "--backends", "127.0.0.1:1", "--tls-port", "0", "--tls-cert", chain.toString(),
                "--tls-key", key.toString())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expired on");
        assertThatThrownBy(() -> TestStack.start("--runtime", "static", "--backends", "127.0.0.1:1", "--tls-cert", chain.toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--tls-cert and --tls-key go in pairs");
        assertThatThrownBy(() -> TestStack.start("--runtime", "static", "--backends", "127.0.0.1:1", "--tls-cert", chain.toString(), "--tls-key",
                key.toString(), "--tls-provider", "gnutls")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auto, openssl or jdk");
    }

    @Test
    void theJdkProviderServesTooWhereAskedFor() throws Exception {
        try (Stack s = start("--tls-provider", "jdk")) {
            Handshake h = handshake(s.tlsPort(), "x.b.test", "h2", "http/1.1");
            assertThat(h.serial()).isEqualTo(2);
            assertThat(h.protocol()).isEqualTo("h2");
            HttpClient h2 = HttpClient.newBuilder().sslContext(TestCertificates.trusting(s.first().chain())).version(HttpClient.Version.HTTP_2).build();
            HttpResponse<String> answer = h2.send(HttpRequest.newBuilder(URI.create(s.https("/home"))).header("X-Request-ID", "1").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(answer.body()).isEqualTo("{\"id\": \"1\"}");
            assertThatThrownBy(() -> HttpClient.newBuilder().sslContext(TestCertificates.trusting(s.second().chain())).build()
                    .send(HttpRequest.newBuilder(URI.create(s.https("/home"))).build(), HttpResponse.BodyHandlers.ofString()))
                    .as("localhost gets the first certificate, which the second's trust does not cover").isInstanceOf(SSLHandshakeException.class);
        }
    }

    private static String get(SSLSocket socket, String path) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: a.test\r\nX-Request-ID: 5\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String head = RawHttp.readHead(socket.getInputStream());
        Map<String, String> headers = RawHttp.headers(head);
        RawHttp.readBody(socket.getInputStream(), headers);
        return head;
    }
}

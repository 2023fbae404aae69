package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.Node;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.config.LoadBalancerConfig;
import dev.clb.lb.runtime.LocalProcessRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** A real load balancer on a free loopback port with real replica processes, and an HTTP client for it. */
final class TestStack implements AutoCloseable {
    static final Pattern SERVED_BY = Pattern.compile("\"Hello from Server: ([^\"]+)\"");
    static final ClientEdge EDGE = ClientEdge.fromEnvironment();
    static final HttpClient http = EDGE.client();

    final LoadBalancer lb;
    /** Where {@link #http} sends requests: the plain port, or the TLS port when the tests run over TLS. */
    final String base;

    private TestStack(LoadBalancer lb) {
        this.lb = lb;
        this.base = EDGE.base(lb);
    }

    /**
     * How the tests' HTTP client reaches the load balancer. The request-path tests run once more with TEST_EDGE=h2
     * (pom.xml, execution 'h2'): the same requests through the TLS port as HTTP/2 streams, so every rule they hold
     * (routing, retries, deadlines, the admin contract) is seen to hold there too.
     */
    enum ClientEdge {
        PLAIN_HTTP1, TLS_HTTP2;

        private static final class Certificate {
            static final dev.clb.lb.tls.CertificateFiles FILES = dev.clb.lb.tls.TestCertificates.temporary("localhost");
        }

        static ClientEdge fromEnvironment() {
            String edge = System.getenv().getOrDefault("TEST_EDGE", "h1");
            return switch (edge) {
                case "h1" -> PLAIN_HTTP1;
                case "h2" -> TLS_HTTP2;
                default -> throw new IllegalArgumentException("TEST_EDGE must be h1 or h2, not " + edge);
            };
        }

        HttpClient client() {
            HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
            if (this == PLAIN_HTTP1) return client.build();
            try {
                return client.version(HttpClient.Version.HTTP_2).sslContext(dev.clb.lb.tls.TestCertificates.trusting(Certificate.FILES.chain())).build();
            } catch (Exception e) {
                throw new IllegalStateException("cannot trust the test certificate", e);
            }
        }

        List<String> options() {
            if (this == PLAIN_HTTP1) return List.of();
            return List.of("--tls-port", "0", "--tls-cert", Certificate.FILES.chain().toString(), "--tls-key", Certificate.FILES.key().toString());
        }

        /** The answer, once it is seen to have come the way this edge sends requests (ALPN could settle on HTTP/1.1 unseen). */
        <T> HttpResponse<T> check(HttpResponse<T> response) {
            HttpClient.Version expected = this == PLAIN_HTTP1 ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2;
            assertThat(response.version()).as("protocol of " + response.uri()).isEqualTo(expected);
            return response;
        }

        String base(LoadBalancer lb) {
            return this == PLAIN_HTTP1 ? "http://127.0.0.1:" + lb.port() : "https://localhost:" + lb.tlsPort().orElseThrow();
        }
    }

    static Path replicaJar() {
        Path jar = Path.of(System.getProperty("replica.jar", "../replica/target/replica.jar"));
        assertThat(Files.isRegularFile(jar)).as("replica jar " + jar.toAbsolutePath() + " (build it: mvn -pl replica package)").isTrue();
        return jar;
    }

    /**
     * Options as the command line gives them; a value picocli cannot convert is refused as the load balancer's main
     * refuses it, an IllegalArgumentException whose message is what it prints after "lb: ".
     */
    static LoadBalancerOptions parse(List<String> args) {
        LoadBalancerOptions options = new LoadBalancerOptions();
        try {
            new CommandLine(options).setOverwrittenOptionsAllowed(true).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(LoadBalancerOptions.refusal(e).orElse(e.getMessage()), e);
        }
        return options;
    }

    static LoadBalancerOptions options(String... args) {
        List<String> all = new ArrayList<>(List.of("--port", "0", "--bind", "127.0.0.1", "--runtime", "local",
                "--management-port", "0", "--access-log", "off", "--replica-jar", replicaJar().toString()));
        // a test with certificates of its own sets up its TLS port itself: it has nothing to add run over this edge
        org.junit.jupiter.api.Assumptions.assumeTrue(EDGE == ClientEdge.PLAIN_HTTP1 || !List.of(args).contains("--tls-cert"),
                "a test with its own --tls-cert runs on the plain edge only");
        all.addAll(EDGE.options());
        all.addAll(List.of(args));
        return parse(all);
    }

    /** The configuration of a stack with {@code args} on top of its own options. */
    static LoadBalancerConfig config(String... args) {
        return options(args).config();
    }

    static TestStack start(String... args) throws Exception {
        LoadBalancerConfig config = config(args);
        TestStack stack = new TestStack(LoadBalancer.start(config));
        try {
            if (stack.lb.runtime().isPresent()) stack.awaitStandbys(config.fixed().membership().standbys());
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    /** Waits until {@code count} warm standbys are ready and nothing else is starting. */
    void awaitStandbys(int count) {
        org.awaitility.Awaitility.await("standbys ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() ->
                lb.replicas().standbyHostnames().size() == count
                        && lb.runtime().orElseThrow().running().size() == hostnames().size() + count);
    }

    HttpResponse<String> get(String path) throws Exception {
        return EDGE.check(http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
    }

    HttpResponse<String> get(String path, String requestId) throws Exception {
        return EDGE.check(http.send(HttpRequest.newBuilder(URI.create(base + path)).header("X-Request-ID", requestId)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        return EDGE.check(http.send(HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(60));
        if (headers.length > 0) request.headers(headers);
        return EDGE.check(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** Replica processes of this test JVM that are alive: a stack's replicas, standbys and anything it leaked. */
    static Set<Long> replicaProcesses() {
        Set<Long> pids = new HashSet<>();
        ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(args -> java.util.Arrays.asList(args).contains("--exit-with-stdin")).orElse(false))
                .forEach(p -> pids.add(p.pid()));
        return pids;
    }

    /** Processes of the replicas in the map and of the standbys, as the runtime knows them. */
    Set<Long> expectedProcesses() {
        Set<Long> pids = new HashSet<>();
        hostnames().forEach(name -> pids.add(runtime().pid(name)));
        lb.replicas().standbyHostnames().forEach(name -> pids.add(runtime().pid(name)));
        return pids;
    }

    static String servedBy(String body) {
        Matcher m = SERVED_BY.matcher(body);
        return m.find() ? m.group(1) : null;
    }

    static String rep(String... replicas) {
        return "{\"message\": {\"N\": " + replicas.length + ", \"replicas\": [" + String.join(", ",
                java.util.Arrays.stream(replicas).map(r -> "\"" + r + "\"").toList()) + "]}, \"status\": \"successful\"}";
    }

    List<String> hostnames() {
        return lb.replicas().hostnames();
    }

    LocalProcessRuntime runtime() {
        return (LocalProcessRuntime) lb.runtime().orElseThrow();
    }

    /** Everything that must agree: what /rep lists, what the ring holds, what processes run (standbys aside). */
    record State(String rep, List<String> ring, Set<String> processes) {
    }

    State state() throws Exception {
        Set<String> processes = new HashSet<>(lb.runtime().orElseThrow().running());
        lb.replicas().standbyHostnames().forEach(processes::remove);
        return new State(get("/rep").body(), lb.replicas().ring().nodes().stream().map(Node::name).toList(), processes);
    }

    /** A request id the ring sends to {@code hostname}. */
    long idServedBy(String hostname) {
        for (long id = 100_000; id < 1_000_000; id++) {
            Node<Replica> node = lb.replicas().ring().lookup(id);
            if (node != null && node.name().equals(hostname)) return id;
        }
        throw new AssertionError("no 6-digit id maps to " + hostname);
    }

    /** SIGKILL, for real. */
    void kill(String hostname) {
        long pid = runtime().pid(hostname);
        assertThat(pid).as("pid of " + hostname).isPositive();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    }

    @Override
    public void close() {
        lb.close();
    }
}

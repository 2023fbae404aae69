package dev.clb.analyzer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.stats.ExpectedSplit;
import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.Ring;
import dev.clb.hashmap.RingConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in load balancer on 127.0.0.1 for fast tests: /rep, /add, /rm as SPEC §4 (without error handling), /home
 * answered as the replica the slot ring picks for X-Request-ID, i.e. what a correct load balancer does, and /ring as
 * the management port answers it (served on the same port: {@link #management()}). A replica added takes the smallest
 * free ring id, as the load balancer's replica manager gives them.
 */
public final class FakeLoadBalancer implements AutoCloseable {
    private static final ObjectMapper mapper = new ObjectMapper();

    private final HttpServer server;
    private final HashScheme hash;
    private final Map<String, Integer> ringIds = new LinkedHashMap<>();
    /** The /ring answer for the replicas as they are, computed once per change (a share takes all 900,000 ids). */
    private RingView view;
    private final AtomicInteger homeRequests = new AtomicInteger();
    private final AtomicInteger missingRequestIds = new AtomicInteger();

    public FakeLoadBalancer(HashScheme hash, List<String> replicas) throws IOException {
        this.hash = hash;
        replicas.forEach(this::place);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", this::handle);
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Where it answers GET /ring: the same port, unlike the real load balancer. */
    public URI management() {
        return url();
    }

    public synchronized List<String> replicas() {
        return List.copyOf(ringIds.keySet());
    }

    private synchronized void place(String hostname) {
        int ringId = 1;
        while (ringIds.containsValue(ringId)) ringId++;
        ringIds.put(hostname, ringId);
        view = null;
    }

    private synchronized RingView view() {
        if (view != null) return view;
        List<RingView.Replica> listed = new ArrayList<>();
        ringIds.forEach((name, id) -> listed.add(new RingView.Replica(name, id, 1, 0, null)));
        RingView bare = new RingView("slots", hash.name(), null, RingConfig.DEFAULT_SLOTS, 9, null, "linear", listed);
        Ring<String> ring = ExpectedSplit.model(bare).orElseThrow();
        Map<String, Long> ids = ring.requestShare(RequestIds.FIRST, RequestIds.LAST);
        double total = RequestIds.LAST - RequestIds.FIRST + 1;
        List<RingView.Replica> shared = listed.stream().map(r -> new RingView.Replica(r.hostname(), r.ringId(), r.weight(),
                ids.getOrDefault(r.hostname(), 0L) / total, null)).toList();
        view = new RingView(bare.strategy(), bare.hash(), null, bare.slots(), bare.vnodes(), null, bare.probe(), shared);
        return view;
    }

    public int homeRequests() {
        return homeRequests.get();
    }

    public int missingRequestIds() {
        return missingRequestIds.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            switch (path) {
                case "/rep" -> send(exchange, 200, rep());
                case "/ring" -> send(exchange, 200, mapper.writeValueAsString(view()));
                case "/add" -> send(exchange, 200, change(body, true));
                case "/rm" -> send(exchange, 200, change(body, false));
                case "/home" -> send(exchange, 200, home(exchange.getRequestHeaders().getFirst("X-Request-ID")));
                default -> send(exchange, 400, "{\"message\": \"<Error> '" + path + "' endpoint does not exist in server replicas\", \"status\": \"failure\"}");
            }
        }
    }

    private synchronized String rep() throws IOException {
        var message = mapper.createObjectNode().put("N", ringIds.size());
        ringIds.keySet().forEach(message.putArray("replicas")::add);
        var root = mapper.createObjectNode();
        root.set("message", message);
        return root.put("status", "successful").toString();
    }

    private synchronized String change(String body, boolean add) throws IOException {
        JsonNode request = mapper.readTree(body);
        int n = request.path("n").asInt();
        List<String> named = new ArrayList<>();
        request.path("hostnames").forEach(h -> named.add(h.asText()));
        for (int i = 0; i < n; i++) {
            if (add) place(i < named.size() ? named.get(i) : "replica-" + ringIds.size() + "x" + i);
            else ringIds.remove(i < named.size() ? named.get(i) : replicas().get(ringIds.size() - 1));
            view = null;
        }
        return rep();
    }

    private String home(String requestId) {
        homeRequests.incrementAndGet();
        if (requestId == null) missingRequestIds.incrementAndGet();
        String server;
        synchronized (this) {
            server = ExpectedSplit.model(view()).orElseThrow().lookup(requestId == null ? 0 : Long.parseLong(requestId)).name();
        }
        return "{\"message\": \"Hello from Server: " + server + "\", \"status\": \"successful\"}";
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}

package dev.clb.analyzer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.clb.analyzer.stats.ExpectedSplit;
import dev.clb.hashmap.HashScheme;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in load balancer on 127.0.0.1 for fast tests: /rep, /add, /rm as SPEC §4 (without error handling), and
 * /home answered as the replica the hash map picks for X-Request-ID, i.e. what a correct load balancer does.
 */
public final class FakeLoadBalancer implements AutoCloseable {
    private static final ObjectMapper mapper = new ObjectMapper();

    private final HttpServer server;
    private final HashScheme hash;
    private final List<String> replicas = new ArrayList<>();
    private final AtomicInteger homeRequests = new AtomicInteger();
    private final AtomicInteger missingRequestIds = new AtomicInteger();

    public FakeLoadBalancer(HashScheme hash, List<String> replicas) throws IOException {
        this.hash = hash;
        this.replicas.addAll(replicas);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", this::handle);
        server.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public synchronized List<String> replicas() {
        return List.copyOf(replicas);
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
                case "/add" -> send(exchange, 200, change(body, true));
                case "/rm" -> send(exchange, 200, change(body, false));
                case "/home" -> send(exchange, 200, home(exchange.getRequestHeaders().getFirst("X-Request-ID")));
                default -> send(exchange, 400, "{\"message\": \"<Error> '" + path + "' endpoint does not exist in server replicas\", \"status\": \"failure\"}");
            }
        }
    }

    private synchronized String rep() throws IOException {
        var message = mapper.createObjectNode().put("N", replicas.size());
        replicas.forEach(message.putArray("replicas")::add);
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
            if (add) replicas.add(i < named.size() ? named.get(i) : "replica-" + replicas.size() + "x" + i);
            else replicas.remove(i < named.size() ? named.get(i) : replicas.get(replicas.size() - 1));
        }
        return rep();
    }

    private String home(String requestId) {
        homeRequests.incrementAndGet();
        if (requestId == null) missingRequestIds.incrementAndGet();
        String server;
        synchronized (this) {
            server = ExpectedSplit.ring(hash, replicas).lookup(requestId == null ? 0 : Long.parseLong(requestId)).name();
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

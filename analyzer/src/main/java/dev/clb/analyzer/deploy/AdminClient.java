package dev.clb.analyzer.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** The load balancer's admin API ({@code /rep}, {@code /add}, {@code /rm}) and plain requests to any path, blocking. */
public final class AdminClient {
    private static final MediaType JSON = MediaType.get("application/json");
    private static final ObjectMapper mapper = new ObjectMapper();

    private final OkHttpClient http;
    private final HttpUrl base;

    public AdminClient(OkHttpClient http, URI loadBalancer) {
        this.http = http;
        this.base = HttpUrl.get(loadBalancer.toString());
    }

    /** One answer: status, raw body, and the body as JSON (a missing node when it is not JSON). */
    public record Answer(int status, String body, JsonNode json) {
        public String message() {
            return json.path("message").isTextual() ? json.path("message").textValue() : json.path("message").toString();
        }
    }

    public Answer send(String method, String path, String jsonBody) throws IOException {
        RequestBody body = jsonBody == null ? null : RequestBody.create(jsonBody, JSON);
        Request request = new Request.Builder().url(base.newBuilder().encodedPath(path).build()).method(method, body).build();
        try (Response response = http.newCall(request).execute()) {
            String text = response.body().string();
            return new Answer(response.code(), text, parse(text));
        }
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode node = mapper.readTree(text);
            return node == null ? mapper.missingNode() : node;
        } catch (IOException e) {
            return mapper.missingNode();
        }
    }

    /** The hostnames {@code /rep} lists, in order of addition. */
    public List<String> replicas() throws IOException {
        return replicasOf(expectOk(send("GET", "/rep", null), "GET /rep"));
    }

    public List<String> add(int n, List<String> hostnames) throws IOException {
        return replicasOf(expectOk(send("POST", "/add", payload(n, hostnames)), "POST /add"));
    }

    public List<String> remove(int n, List<String> hostnames) throws IOException {
        return replicasOf(expectOk(send("DELETE", "/rm", payload(n, hostnames)), "DELETE /rm"));
    }

    /**
     * Brings the deployment to {@code n} replicas, one at a time: adds {@code server-<k>} with the smallest k not in use,
     * removes the one listed last. Which ring ids they get is the load balancer's business; {@code /ring} tells.
     */
    public List<String> scaleTo(int n) throws IOException {
        List<String> replicas = replicas();
        while (replicas.size() < n) replicas = add(1, List.of(freeName(replicas)));
        while (replicas.size() > n) replicas = remove(1, List.of(replicas.get(replicas.size() - 1)));
        return replicas;
    }

    /** {@code server-<k>} with the smallest k not in {@code taken}. */
    public static String freeName(List<String> taken) {
        int k = 1;
        while (taken.contains("server-" + k)) k++;
        return "server-" + k;
    }

    public static String payload(int n, List<String> hostnames) {
        ObjectNode payload = mapper.createObjectNode().put("n", n);
        hostnames.forEach(payload.putArray("hostnames")::add);
        return payload.toString();
    }

    private static Answer expectOk(Answer answer, String what) throws IOException {
        if (answer.status() != 200) throw new IOException(what + " answered " + answer.status() + ": " + answer.body());
        return answer;
    }

    /** The replicas a /rep, /add or /rm answer lists. */
    public static List<String> replicasOf(Answer answer) {
        List<String> names = new ArrayList<>();
        answer.json().path("message").path("replicas").forEach(n -> names.add(n.asText()));
        return names;
    }
}

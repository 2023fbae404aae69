package dev.clb.lb.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.lb.membership.LeaderLink;
import dev.clb.lb.membership.MembershipException;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import dev.clb.lb.membership.MembershipException.StartFailed;
import dev.clb.lb.membership.MembershipException.Unavailable;
import dev.clb.lb.membership.SharedStore.Instance;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Passes {@code /add} and {@code /rm} on to the leader's public port, as the client sent them (with this cluster's admin
 * token), and turns its answer back into the list or the refusal it stands for: this instance then answers the client
 * exactly as the leader did. A leader that does not answer is {@link Unavailable}.
 */
public final class HttpLeaderLink implements LeaderLink {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ERROR_PREFIX = "<Error> ";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Optional<String> authorization;
    private final Duration timeout;

    /** {@code timeout}: how long a change may take on the leader (replicas started, or drained). */
    public HttpLeaderLink(Optional<String> authorization, Duration timeout) {
        this.authorization = authorization;
        this.timeout = timeout;
    }

    @Override
    public List<String> add(Instance leader, int n, List<String> hostnames) throws MembershipException {
        return send(leader, "POST", "/add", n, hostnames);
    }

    @Override
    public List<String> remove(Instance leader, int n, List<String> hostnames) throws MembershipException {
        return send(leader, "DELETE", "/rm", n, hostnames);
    }

    private List<String> send(Instance leader, String method, String path, int n, List<String> hostnames) throws MembershipException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("n", n);
        body.put("hostnames", hostnames);
        HttpResponse<String> answer;
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + leader.address() + path)).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            authorization.ifPresent(value -> request.header("Authorization", value));
            answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Unavailable("The cluster's leader " + leader.id() + " at " + leader.address() + " did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("Interrupted while the cluster's leader " + leader.id() + " made the change");
        }
        JsonNode message;
        try {
            message = JSON.readTree(answer.body()).path("message");
        } catch (IOException e) {
            throw new Unavailable("The cluster's leader " + leader.id() + " answered " + answer.statusCode() + " with what is not JSON");
        }
        if (answer.statusCode() == 200) {
            List<String> replicas = new ArrayList<>();
            message.path("replicas").forEach(name -> replicas.add(name.asText()));
            return replicas;
        }
        String why = message.asText();
        if (why.startsWith(ERROR_PREFIX)) why = why.substring(ERROR_PREFIX.length());
        if (answer.statusCode() == 400) throw new InvalidChange(why);
        if (answer.statusCode() == 503) throw new StartFailed(why);
        throw new Unavailable("The cluster's leader " + leader.id() + " answered " + answer.statusCode() + ": " + why);
    }
}

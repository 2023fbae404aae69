package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.hashmap.Node;
import dev.clb.lb.backend.Replica;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code GET /ring} on the management port, over real HTTP, against a load balancer with real replicas. */
class RingEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpResponse<String> ring(TestStack stack) throws Exception {
        int port = stack.lb.managementPort().orElseThrow();
        return TestStack.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ring")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The configuration's hash /ring gave, once it is a hex SHA-256. */
    private static String hash(JsonNode body) {
        String hash = body.get("configHash").asText();
        assertThat(hash).matches("[0-9a-f]{64}");
        return hash;
    }

    private static String share(long ids) {
        return Double.toString(ids / 900_000.0);
    }

    @Test
    void theAssignmentsMapWithItsExactSharesAndTheFieldsOfOtherStrategiesNull() throws Exception {
        try (TestStack stack = TestStack.start("--standby", "0")) {
            HttpResponse<String> response = ring(stack);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
            JsonNode body = JSON.readTree(response.body());
            assertThat(body).isEqualTo(JSON.readTree("{\"strategy\": \"slots\", \"hash\": \"assignment\", \"boundedLoad\": null, \"slots\": 512, "
                    + "\"vnodes\": 9, \"tableSize\": null, \"probe\": \"linear\", \"configRevision\": 1, \"configHash\": \"" + hash(body) + "\", "
                    + "\"digest\": \"f47230b6e2077645fc56fe9846fda9dfcdc127fc46cc85ee782fe06c99b3b958\", \"revision\": null, \"leader\": null, \"replicas\": ["
                    + "{\"hostname\": \"server-1\", \"ringId\": 1, \"weight\": 1, \"share\": " + share(759374) + ", \"ejected\": false, \"ejectedUntil\": null, \"slowStartUntil\": null}, "
                    + "{\"hostname\": \"server-2\", \"ringId\": 2, \"weight\": 1, \"share\": " + share(42187) + ", \"ejected\": false, \"ejectedUntil\": null, \"slowStartUntil\": null}, "
                    + "{\"hostname\": \"server-3\", \"ringId\": 3, \"weight\": 1, \"share\": " + share(98439) + ", \"ejected\": false, \"ejectedUntil\": null, \"slowStartUntil\": null}]}"));
            assertThat(fieldNames(body)).containsExactly("strategy", "hash", "boundedLoad", "slots", "vnodes", "tableSize", "probe", "configRevision", "configHash", "digest",
                    "revision", "leader", "replicas");
            // 8437/469/1094 per 10000, the spec's figures
            assertThat(body.get("replicas").get(0).get("share").asDouble()).isBetween(0.84374, 0.84375);
        }
    }

    @Test
    void maglevWithBoundedLoadsInRepOrderAfterAReplicaIsRemovedAndAnotherAdded() throws Exception {
        try (TestStack stack = TestStack.start("--standby", "0", "--strategy", "maglev", "--bounded-load", "1.25")) {
            JsonNode body = JSON.readTree(ring(stack).body());
            assertThat(body).isEqualTo(JSON.readTree("{\"strategy\": \"maglev\", \"hash\": \"murmur\", \"boundedLoad\": 1.25, \"slots\": null, "
                    + "\"vnodes\": null, \"tableSize\": 65537, \"probe\": null, \"configRevision\": 1, \"configHash\": \"" + hash(body) + "\", "
                    + "\"digest\": \"f9f0332cb7b81bd9d93b982287fdaf23a663b98854929a1b5982365d9aa26f9e\", \"revision\": null, \"leader\": null, \"replicas\": ["
                    + "{\"hostname\": \"server-1\", \"ringId\": 1, \"weight\": 1, \"share\": " + share(299555) + ", \"ejected\": false, \"ejectedUntil\": null, \"slowStartUntil\": null}, "
                    + "{\"hostname\": \"server-2\", \"ringId\": 2, \"weight\": 1, \"share\": " + share(300380) + ", \"ejected\": false, \"ejectedUntil\": null, \"slowStartUntil\": null}, "
                    + "{\"hostname\": \"server-3\", \"ringId\": 3, \"weight\": 1, \"share\": " + share(300065) + ", \"ejected\": false, \"ejectedUntil\": null, \"slowStartUntil\": null}]}"));

            assertThat(stack.send("DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"server-1\"]}").statusCode()).isEqualTo(200);
            assertThat(stack.send("POST", "/add", "{\"n\": 1, \"hostnames\": [\"fresh\"]}").statusCode()).isEqualTo(200);
            body = JSON.readTree(ring(stack).body());
            List<String> order = new ArrayList<>();
            body.get("replicas").forEach(r -> order.add(r.get("hostname").asText() + "@" + r.get("ringId").asInt()));
            assertThat(order).containsExactly("server-2@2", "server-3@3", "fresh@1");
            assertThat(body.get("digest").asText()).as("another replica serves ring id 1's ids").hasSize(64)
                    .isNotEqualTo("f9f0332cb7b81bd9d93b982287fdaf23a663b98854929a1b5982365d9aa26f9e");
            // ring id 1 again: the same table, so the same shares as server-1 had
            assertThat(body.get("replicas").get(2).get("share").asText()).isEqualTo(share(299555));

            // and the proxy routes as the model says
            Map<String, Long> shares = stack.lb.replicas().ring().shares();
            assertThat(shares.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(900_000);
            for (long id = 400_000; id < 400_030; id++) {
                Node<Replica> owner = stack.lb.replicas().ring().lookup(id);
                assertThat(TestStack.servedBy(stack.get("/home", Long.toString(id)).body())).as("id " + id).isEqualTo(owner.name());
            }
        }
    }

    @Test
    void aHashRingDescribesItsPointsAndTheManagementPortServesNothingElse() throws Exception {
        try (TestStack stack = TestStack.start("--standby", "0", "--replicas", "2", "--strategy", "ring", "--vnodes", "1024")) {
            JsonNode body = JSON.readTree(ring(stack).body());
            assertThat(body.get("strategy").asText()).isEqualTo("ring");
            assertThat(body.get("vnodes").asInt()).isEqualTo(1024);
            assertThat(body.get("slots").isNull()).isTrue();
            assertThat(body.get("tableSize").isNull()).isTrue();
            assertThat(body.get("replicas")).hasSize(2);
            double sum = 0;
            for (JsonNode r : body.get("replicas")) sum += r.get("share").asDouble();
            assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(stack.get("/ring").statusCode()).as("/ring is not on the public port: proxied, the replica's 404 becomes 400").isEqualTo(400);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

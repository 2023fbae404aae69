package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Successful /add and /rm over HTTP: their exact 200 bodies, and the processes they start and stop. */
class AdminChangesTest {
    private static final ObjectMapper json = new ObjectMapper();

    private static List<String> replicasIn(String body) throws Exception {
        List<String> names = new ArrayList<>();
        json.readTree(body).path("message").path("replicas").forEach(n -> names.add(n.asText()));
        return names;
    }

    @Test
    void addAndRmAnswerTheExactReplicaListAfterTheChangeAndRmStopsTheProcesses() throws Exception {
        // generous bounds: this test is about the admin answers, and a loaded machine starts and answers slowly
        try (TestStack stack = TestStack.start("--spawn-timeout", "90000", "--heartbeat-timeout", "5000", "--failure-threshold", "20")) {
            HttpResponse<String> added = stack.send("POST", "/add", "{\"n\": 3, \"hostnames\": [\"S5\", \"S4\"]}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
            List<String> afterAdd = replicasIn(added.body());
            assertThat(afterAdd).hasSize(6).startsWith("server-1", "server-2", "server-3", "S5", "S4");
            assertThat(afterAdd.get(5)).matches("replica-[a-z0-9]{5}");
            assertThat(added.body()).isEqualTo(TestStack.rep(afterAdd.toArray(String[]::new)))
                    .isEqualTo(stack.get("/rep").body());
            assertThat(stack.hostnames()).isEqualTo(afterAdd);
            stack.awaitStandbys(1);

            Map<String, Long> pids = new HashMap<>();
            afterAdd.forEach(name -> pids.put(name, stack.runtime().pid(name)));
            assertThat(pids.values()).allMatch(pid -> pid > 0);
            HttpResponse<String> removed = stack.send("DELETE", "/rm", "{\"n\": 3, \"hostnames\": [\"S5\", \"server-2\"]}");
            assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
            List<String> afterRm = replicasIn(removed.body());
            assertThat(afterRm).hasSize(3).doesNotContain("S5", "server-2").isSubsetOf(afterAdd);
            assertThat(removed.body()).isEqualTo(TestStack.rep(afterRm.toArray(String[]::new)))
                    .isEqualTo(stack.get("/rep").body());
            JsonNode parsed = json.readTree(removed.body());
            assertThat(parsed.path("message").path("N").asInt()).isEqualTo(3);

            List<String> gone = new ArrayList<>(afterAdd);
            gone.removeAll(afterRm);
            assertThat(gone).hasSize(3).contains("S5", "server-2");
            Awaitility.await("the removed replicas' processes exit").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> gone.stream().noneMatch(name -> ProcessHandle.of(pids.get(name)).map(ProcessHandle::isAlive).orElse(false)));
            assertThat(afterRm).allMatch(name -> ProcessHandle.of(pids.get(name)).map(ProcessHandle::isAlive).orElse(false));
            assertThat(stack.state().processes()).containsExactlyInAnyOrderElementsOf(afterRm);

            HttpResponse<String> removedByCount = stack.send("POST", "/rm", "{\"n\": 1}");
            assertThat(removedByCount.statusCode()).isEqualTo(200);
            List<String> last = replicasIn(removedByCount.body());
            assertThat(last).hasSize(2).isSubsetOf(afterRm);
            assertThat(removedByCount.body()).isEqualTo(TestStack.rep(last.toArray(String[]::new))).isEqualTo(stack.get("/rep").body());
        }
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SPEC §4 over real HTTP: exact bodies, and bad input that is refused without changing anything. The stack is
 * shared, so every case starts from the known state and puts it back if it changed: a bad input that slips
 * through fails its own case only.
 */
class AdminApiTest {
    private static final List<String> INITIAL = List.of("server-1", "server-2", "server-3");
    private static final TestStack.State KNOWN = new TestStack.State(TestStack.rep(INITIAL.toArray(String[]::new)), INITIAL, Set.copyOf(INITIAL));
    private static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start();
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    /** Puts back server-1..3 in order (they list in /rep in order of addition) if a case changed them. */
    @AfterEach
    void restoreTheKnownState() throws Exception {
        List<String> now = stack.hostnames();
        if (now.equals(INITIAL)) return;
        int kept = 0;
        while (kept < Math.min(now.size(), INITIAL.size()) && now.get(kept).equals(INITIAL.get(kept))) kept++;
        List<String> removing = now.subList(kept, now.size());
        if (!removing.isEmpty()) stack.lb.replicas().remove(removing.size(), List.copyOf(removing));
        List<String> adding = INITIAL.subList(kept, INITIAL.size());
        if (!adding.isEmpty()) stack.lb.replicas().add(adding.size(), adding);
        stack.awaitStandbys(1);
        assertThat(stack.state()).as("known state restored").isEqualTo(KNOWN);
    }

    @Test
    void repListsTheInitialReplicas() throws Exception {
        HttpResponse<String> rep = stack.get("/rep");
        assertThat(rep.statusCode()).isEqualTo(200);
        assertThat(rep.body()).isEqualTo(TestStack.rep("server-1", "server-2", "server-3"));
        assertThat(rep.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    }

    @Test
    void homeGoesToTheReplicaTheRingChoosesAndPassesItsAnswerThrough() throws Exception {
        for (String replica : List.of("server-1", "server-2", "server-3")) {
            long id = stack.idServedBy(replica);
            HttpResponse<String> home = stack.get("/home", Long.toString(id));
            assertThat(home.statusCode()).isEqualTo(200);
            assertThat(home.body()).isEqualTo("{\"message\": \"Hello from Server: " + replica + "\", \"status\": \"successful\"}");
            assertThat(home.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        }
        HttpResponse<String> random = stack.get("/home");
        assertThat(TestStack.servedBy(random.body())).isIn("server-1", "server-2", "server-3");
    }

    @Test
    void aStringKeyAlwaysGoesToTheSameReplica() throws Exception {
        String first = TestStack.servedBy(stack.get("/home", "user-42@example").body());
        for (int i = 0; i < 20; i++) {
            assertThat(TestStack.servedBy(stack.get("/home", "user-42@example").body())).isEqualTo(first);
        }
    }

    @Test
    void anUnknownPathIsTheLoadBalancers400() throws Exception {
        HttpResponse<String> other = stack.get("/other");
        assertThat(other.statusCode()).isEqualTo(400);
        assertThat(other.body()).isEqualTo("{\"message\": \"<Error> '/other' endpoint does not exist in server replicas\", \"status\": \"failure\"}");
        assertThat(stack.get("/a/b?x=1").body()).contains("'/a/b' endpoint does not exist");
    }

    @Test
    void otherMethodsOnAdminPathsAre405() throws Exception {
        HttpResponse<String> put = stack.send("PUT", "/rep", "");
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.body()).startsWith("{\"message\": \"<Error> ");
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "POST  |{\"n\": 4, \"hostnames\": [\"S5\", \"S4\", \"S10\", \"S11\", \"S12\"]}|Length of hostname list is more than newly added instances",
            "DELETE|{\"n\": 1, \"hostnames\": [\"server-1\", \"server-2\"]}|Length of hostname list is more than removable instances",
            "POST  |{\"n\": 1, \"hostnames\": [|Malformed JSON",
            "POST  |``|Empty body",
            "POST  |[1, 2]|must be a JSON object",
            "POST  |{\"n\": \"2\"}|'n' must be a positive integer",
            "POST  |{\"n\": 1.5}|'n' must be a positive integer",
            "POST  |{\"hostnames\": [\"S1\"]}|'n' is required",
            "POST  |{\"n\": 0}|'n' must be a positive integer, got 0",
            "DELETE|{\"n\": -1}|'n' must be a positive integer, got -1",
            "POST  |{\"n\": 99999999999}|'n' must be a positive integer",
            "POST  |{\"n\": 1, \"hostnames\": \"S1\"}|'hostnames' must be a list of strings",
            "POST  |{\"n\": 1, \"hostnames\": [7]}|'hostnames' must be a list of strings",
            "POST  |{\"n\": 2, \"hostnames\": [\"S1\", \"S1\"]}|Hostname 'S1' is listed twice",
            "POST  |{\"n\": 1, \"hostnames\": [\"server-2\"]}|Hostname 'server-2' is already in use",
            "POST  |{\"n\": 1, \"hostnames\": [\"bad name\"]}|is not valid",
            "POST  |{\"n\": 1, \"hostnames\": [\"-dash\"]}|is not valid",
            "POST  |{\"n\": 1, \"hostnames\": [\"a234567890123456789012345678901234567890123456789012345678901234\"]}|is not valid",
            "POST  |{\"n\": 100}|has no room",
            "POST  |{\"n\": 1, \"extra\": true}|Unknown field 'extra'",
            "DELETE|{\"n\": 1, \"hostnames\": [\"nobody\"]}|Hostname 'nobody' is not a replica",
            "DELETE|{\"n\": 4}|Cannot remove 4 replicas: only 3 exist",
            "POST  |{\"n\": 1, \"hostnames\": [null]}|'hostnames' must be a list of strings",
    })
    void badInputIs400WithAClearMessageAndChangesNothing(String method, String body, String message) throws Exception {
        TestStack.State before = stack.state();
        assertThat(before).as("the known state this case starts from").isEqualTo(KNOWN);
        String path = method.trim().equals("POST") && !message.contains("removable") ? "/add" : "/rm";
        HttpResponse<String> response = stack.send(method.trim(), path, body);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).startsWith("{\"message\": \"<Error> ").contains(message).endsWith(", \"status\": \"failure\"}");
        assertThat(stack.state()).isEqualTo(before);
    }

    @Test
    void anOversizedBodyIsRefusedAndChangesNothing() throws Exception {
        TestStack.State before = stack.state();
        assertThat(before).isEqualTo(KNOWN);
        String huge = "{\"n\": 1, \"hostnames\": [\"" + "x".repeat(70_000) + "\"]}";
        HttpResponse<String> response = stack.send("POST", "/add", huge);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("<Error> Request body too large");
        assertThat(stack.state()).isEqualTo(before);
    }
}

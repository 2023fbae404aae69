package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --admin-token}: /add and /rm need {@code Authorization: Bearer <token>}; /rep stays open. Over real HTTP. */
class AdminTokenTest {
    private static final String TOKEN = "s3cret-t0ken";
    private static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start("--admin-token", TOKEN, "--standby", "0");
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    @ParameterizedTest(name = "{0} {1} with [{2}]")
    @CsvSource(delimiter = '|', value = {
            "POST  |/add|",
            "POST  |/add|Basic czNjcmV0LXQwa2Vu",
            "POST  |/add|s3cret-t0ken",
            "POST  |/add|Bearer wrong",
            "POST  |/add|Bearer s3cret-t0ke",
            "POST  |/add|Bearer s3cret-t0ken-and-more",
            "DELETE|/rm |",
            "DELETE|/rm |Bearer wrong",
            "POST  |/rm |Token s3cret-t0ken",
    })
    void withoutTheRightTokenAChangeIs401AndChangesNothing(String method, String path, String authorization) throws Exception {
        TestStack.State before = stack.state();
        String body = path.trim().equals("/add") ? "{\"n\": 1, \"hostnames\": [\"S9\"]}" : "{\"n\": 1, \"hostnames\": [\"server-1\"]}";
        HttpResponse<String> response = authorization == null
                ? stack.send(method.trim(), path.trim(), body)
                : stack.send(method.trim(), path.trim(), body, "Authorization", authorization);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(response.body()).startsWith("{\"message\": \"<Error> ").endsWith(", \"status\": \"failure\"}");
        assertThat(stack.state()).isEqualTo(before);
    }

    @Test
    void theTokenIsCheckedBeforeTheBodyIsRead() throws Exception {
        HttpResponse<String> response = stack.send("POST", "/add", "{not json", "Authorization", "Bearer wrong");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("<Error> Wrong admin token");
    }

    @Test
    void repStaysReadableWithoutAToken() throws Exception {
        HttpResponse<String> rep = stack.get("/rep");
        assertThat(rep.statusCode()).isEqualTo(200);
        assertThat(rep.body()).isEqualTo(TestStack.rep("server-1", "server-2", "server-3"));
    }

    @Test
    void theRightTokenAddsAndRemoves() throws Exception {
        HttpResponse<String> add = stack.send("POST", "/add", "{\"n\": 1, \"hostnames\": [\"S7\"]}", "Authorization", "Bearer " + TOKEN);
        assertThat(add.statusCode()).isEqualTo(200);
        assertThat(add.body()).isEqualTo(TestStack.rep("server-1", "server-2", "server-3", "S7"));
        HttpResponse<String> bad = stack.send("POST", "/add", "{\"n\": 0}", "authorization", "bearer " + TOKEN);
        assertThat(bad.statusCode()).as("the scheme is case-insensitive, so this one reaches validation").isEqualTo(400);
        HttpResponse<String> rm = stack.send("DELETE", "/rm", "{\"n\": 1, \"hostnames\": [\"S7\"]}", "Authorization", "Bearer " + TOKEN);
        assertThat(rm.statusCode()).isEqualTo(200);
        assertThat(rm.body()).isEqualTo(TestStack.rep("server-1", "server-2", "server-3"));
        assertThat(stack.lb.runtime().orElseThrow().running()).containsExactlyInAnyOrder("server-1", "server-2", "server-3");
    }
}

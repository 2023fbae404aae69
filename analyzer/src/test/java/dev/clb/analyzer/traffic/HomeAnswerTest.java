package dev.clb.analyzer.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HomeAnswerTest {
    @Test
    void readsTheServerIdOfAHomeAnswer() {
        assertThat(HomeAnswer.serverId("{\"message\": \"Hello from Server: server-1\", \"status\": \"successful\"}")).contains("server-1");
        assertThat(HomeAnswer.serverId("{\"status\":\"successful\",\"message\":\"Hello from Server: replica-k3j9x\"}")).contains("replica-k3j9x");
    }

    @Test
    void unescapesJson() {
        assertThat(HomeAnswer.serverId("{\"message\": \"Hello from Server: a\\\"b\"}")).contains("a\"b");
    }

    @Test
    void rejectsAnythingElse() {
        assertThat(HomeAnswer.serverId("{\"message\": \"<Error> '/home' endpoint does not exist in server replicas\", \"status\": \"failure\"}")).isEmpty();
        assertThat(HomeAnswer.serverId("{\"message\": \"Hello from Server: \"}")).isEmpty();
        assertThat(HomeAnswer.serverId("{\"message\": {\"N\": 3}}")).isEmpty();
        assertThat(HomeAnswer.serverId("Hello from Server: server-1")).isEmpty();
        assertThat(HomeAnswer.serverId("")).isEmpty();
    }
}

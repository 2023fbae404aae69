package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --replica-env} / LB_REPLICA_ENV: an empty value, as docker-compose.yml passes it by default, adds nothing. */
class ReplicaEnvTest {

    @Test
    void pairsInOrderBlankEntriesIgnoredAnythingElseRefused() {
        assertThat(TestStack.options().replicaEnv).as("no LB_REPLICA_ENV").isEmpty();
        assertThat(RuntimeOptions.replicaEnv(List.of(""))).isEmpty();
        assertThat(RuntimeOptions.replicaEnv(TestStack.options("--replica-env", "").replicaEnv)).isEmpty();
        assertThat(RuntimeOptions.replicaEnv(List.of("REPLICA_TEST_PATHS=true", " ", "A=b=c")))
                .containsExactly(Map.entry("REPLICA_TEST_PATHS", "true"), Map.entry("A", "b=c"));
        assertThatThrownBy(() -> RuntimeOptions.replicaEnv(List.of("novalue"))).hasMessageContaining("not KEY=VALUE");
    }
}

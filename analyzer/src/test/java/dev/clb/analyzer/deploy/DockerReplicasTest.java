package dev.clb.analyzer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DockerReplicasTest {
    @Test
    void findsTheContainerByHostnameOrAliasNotByName() {
        // a prefixed stack: the container names are murmur-server-1..., hostname and alias stay unprefixed
        List<DockerReplicas.Container> running = List.of(new DockerReplicas.Container("aaa111", List.of("server-1", "server-1", "aaa111")),
                new DockerReplicas.Container("bbb222", List.of("server-2", "server-2", "bbb222")),
                new DockerReplicas.Container("ccc333", List.of("abcdef", "replica-x")));

        assertThat(DockerReplicas.containerFor("server-2", running)).contains("bbb222");
        assertThat(DockerReplicas.containerFor("replica-x", running)).contains("ccc333");
        assertThat(DockerReplicas.containerFor("murmur-server-1", running)).isEmpty();
        assertThat(DockerReplicas.containerFor("server-1", List.of())).isEmpty();
    }
}

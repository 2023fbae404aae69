package dev.clb.analyzer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DockerReplicasTest {
    @Test
    void findsTheContainerByHostnameOrAliasNotByName() {
        // docker inspect lines of a prefixed stack: the names are murmur-server-1..., hostname and alias stay unprefixed
        List<String> lines = List.of("aaa111 server-1 server-1 aaa111", "bbb222 server-2 server-2 bbb222", "ccc333 abcdef replica-x");

        assertThat(DockerReplicas.containerFor("server-2", lines)).contains("bbb222");
        assertThat(DockerReplicas.containerFor("replica-x", lines)).contains("ccc333");
        assertThat(DockerReplicas.containerFor("murmur-server-1", lines)).isEmpty();
        assertThat(DockerReplicas.containerFor("aaa111", lines)).contains("aaa111");
        assertThat(DockerReplicas.containerFor("server-1", List.of(""))).isEmpty();
    }
}

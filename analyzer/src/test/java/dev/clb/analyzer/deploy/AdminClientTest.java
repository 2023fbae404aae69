package dev.clb.analyzer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.analyzer.FakeLoadBalancer;
import dev.clb.hashmap.HashScheme;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

class AdminClientTest {
    private final OkHttpClient http = new OkHttpClient();

    @Test
    void scalesOneReplicaAtATimeKeepingRingIdsInRepOrder() throws Exception {
        try (FakeLoadBalancer lb = new FakeLoadBalancer(HashScheme.ASSIGNMENT, List.of("server-1", "server-2", "server-3"))) {
            AdminClient admin = new AdminClient(http, lb.url());
            assertThat(admin.scaleTo(5)).containsExactly("server-1", "server-2", "server-3", "server-4", "server-5");
            assertThat(admin.scaleTo(2)).containsExactly("server-1", "server-2");
            assertThat(admin.replicas()).containsExactly("server-1", "server-2");
        }
    }

    @Test
    void takenNamesAreLeftToTheLoadBalancer() throws Exception {
        try (FakeLoadBalancer lb = new FakeLoadBalancer(HashScheme.ASSIGNMENT, List.of("server-3", "server-9"))) {
            List<String> after = new AdminClient(http, lb.url()).scaleTo(3);
            assertThat(after).hasSize(3).startsWith("server-3", "server-9").doesNotHaveDuplicates();
            assertThat(after.get(2)).isNotEqualTo("server-3");
        }
    }

    @Test
    void payloadIsTheSpecsJson() {
        assertThat(AdminClient.payload(2, List.of("S5", "S4"))).isEqualTo("{\"n\":2,\"hostnames\":[\"S5\",\"S4\"]}");
        assertThat(AdminClient.payload(1, List.of())).isEqualTo("{\"n\":1,\"hostnames\":[]}");
    }

    @Test
    void answersKeepStatusBodyAndJson() throws Exception {
        try (FakeLoadBalancer lb = new FakeLoadBalancer(HashScheme.ASSIGNMENT, List.of("server-1"))) {
            AdminClient.Answer answer = new AdminClient(http, lb.url()).send("GET", "/other", null);
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.message()).isEqualTo("<Error> '/other' endpoint does not exist in server replicas");
        }
    }
}

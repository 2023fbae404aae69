package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.SlotRing;
import dev.clb.lb.backend.Replica;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Servers the load balancer fronts but does not own: health-checked, never spawned or killed. */
class StaticRuntimeTest {

    @Test
    void aDeadBackendLeavesTheMapAndRejoinsWithItsOwnSlotsWhenItAnswersAgain() throws Exception {
        int portA = freePort(), portB = freePort();
        List<Process> started = new ArrayList<>();
        try {
            started.add(replica("a", portA));
            Process b = replica("b", portB);
            started.add(b);
            String a = "127.0.0.1:" + portA, bName = "127.0.0.1:" + portB;
            try (TestStack stack = TestStack.start("--runtime", "static", "--backends", a + "," + bName)) {
                assertThat(stack.get("/rep").body()).isEqualTo(TestStack.rep(a, bName));
                int[] slots = ((SlotRing<Replica>) stack.lb.replicas().ring()).virtualServerSlots(bName);

                b.destroyForcibly().waitFor();
                Awaitility.await("b leaves the map").atMost(Duration.ofSeconds(5)).until(() -> stack.hostnames().equals(List.of(a)));
                assertThat(TestStack.servedBy(stack.get("/home", Long.toString(123456)).body())).isEqualTo("a");

                started.add(replica("b", portB));
                Awaitility.await("b rejoins").atMost(Duration.ofSeconds(30)).until(() -> stack.hostnames().contains(bName));
                assertThat(stack.lb.replicas().ring().node(bName).ringId()).isEqualTo(2);
                assertThat(((SlotRing<Replica>) stack.lb.replicas().ring()).virtualServerSlots(bName)).containsExactly(slots);

                assertThat(stack.send("POST", "/add", "{\"n\": 1}").body()).contains("<Error> The static runtime cannot add replicas");
                assertThat(stack.send("DELETE", "/rm", "{\"n\": 1}").statusCode()).isEqualTo(400);
            }
            assertThat(started.get(0).isAlive()).as("the load balancer never kills what it does not own").isTrue();
        } finally {
            started.forEach(Process::destroyForcibly);
        }
    }

    static Process replica(String id, int port) throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar", TestStack.replicaJar().toString(),
                "--bind", "127.0.0.1", "--port", String.valueOf(port), "--id", id).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        java.net.http.HttpRequest heartbeat = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/heartbeat"))
                .timeout(Duration.ofSeconds(2)).build();
        Awaitility.await("replica " + id + " answers heartbeats").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
            try {
                return TestStack.http.send(heartbeat, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        return p;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

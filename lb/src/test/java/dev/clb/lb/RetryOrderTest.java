package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clb.hashmap.Node;
import dev.clb.hashmap.SlotRing;
import dev.clb.lb.backend.Replica;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of the replica that owns a request: the request is answered by the next replica clockwise from its slot,
 * worked out here from where the virtual servers sit, not from the ring's own retry order.
 */
class RetryOrderTest {

    /** The owner of {@code id}'s slot and the next other replica met walking clockwise from it. */
    record OwnerAndNext(String owner, String next) {
    }

    static OwnerAndNext walkClockwise(SlotRing<Replica> ring, long id) {
        int m = ring.config().slots();
        Map<Integer, String> atSlot = new LinkedHashMap<>();
        for (Node<Replica> n : ring.nodes()) {
            for (int slot : ring.virtualServerSlots(n.name())) atSlot.put(slot, n.name());
        }
        List<String> met = new ArrayList<>();
        for (int step = 0; step < m && met.size() < 2; step++) {
            String name = atSlot.get((ring.slotOf(id) + step) % m);
            if (name != null && !met.contains(name)) met.add(name);
        }
        return new OwnerAndNext(met.get(0), met.get(1));
    }

    /** The same, walking the other way from the owner's virtual server: what a wrong retry order would pick. */
    static String nextCounterClockwise(SlotRing<Replica> ring, long id) {
        int m = ring.config().slots();
        String owner = walkClockwise(ring, id).owner();
        int start = ring.slotOf(id);
        while (!owner.equals(nameAt(ring, start))) start = (start + 1) % m;
        for (int step = 1; step < m; step++) {
            String name = nameAt(ring, Math.floorMod(start - step, m));
            if (name != null && !name.equals(owner)) return name;
        }
        throw new AssertionError("one replica only");
    }

    private static String nameAt(SlotRing<Replica> ring, int slot) {
        return ring.nodes().stream().map(Node::name)
                .filter(n -> java.util.Arrays.stream(ring.virtualServerSlots(n)).anyMatch(s -> s == slot)).findFirst().orElse(null);
    }

    @Test
    void aRequestForAKilledReplicaIsAnsweredByTheNextReplicaClockwise() throws Exception {
        List<Process> replicas = new ArrayList<>();
        try {
            Map<String, Process> byName = new LinkedHashMap<>();
            for (int i = 0; i < 3; i++) {
                int port = StaticRuntimeTest.freePort();
                String name = "127.0.0.1:" + port;
                Process p = StaticRuntimeTest.replica(name, port);
                replicas.add(p);
                byName.put(name, p);
            }
            // heartbeats every 60 s: the failed request itself is what finds the dead replica
            try (TestStack stack = TestStack.start("--runtime", "static", "--backends", String.join(",", byName.keySet()),
                    "--heartbeat-interval", "60000")) {
                SlotRing<Replica> ring = (SlotRing<Replica>) stack.lb.replicas().ring();
                Optional<Long> telling = java.util.stream.LongStream.range(100_000, 1_000_000).boxed()
                        .filter(id -> !walkClockwise(ring, id).next().equals(nextCounterClockwise(ring, id))).findFirst();
                assertThat(telling).as("an id whose next replica differs clockwise and counter-clockwise").isPresent();
                long id = telling.get();
                OwnerAndNext expected = walkClockwise(ring, id);
                assertThat(TestStack.servedBy(stack.get("/home", Long.toString(id)).body())).isEqualTo(expected.owner());

                Process owner = byName.get(expected.owner());
                owner.destroyForcibly(); // SIGKILL
                assertThat(owner.waitFor(10, TimeUnit.SECONDS)).isTrue();
                HttpResponse<String> home = stack.get("/home", Long.toString(id));
                assertThat(home.statusCode()).isEqualTo(200);
                assertThat(TestStack.servedBy(home.body())).as("answered by the next replica clockwise, %s (not %s)",
                        expected.next(), nextCounterClockwise(ring, id)).isEqualTo(expected.next());
                System.out.printf("RETRY ORDER id %d: owner %s killed, answered by %s%n", id, expected.owner(), expected.next());
            }
        } finally {
            replicas.forEach(Process::destroyForcibly);
        }
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A replica that hangs as a frozen process does (it reads, answers nothing and accepts no connection), with the
 * heartbeats kept out of the way (10 s timeout): what the request path alone does about it. One event loop, so
 * that every request meets what the loop learnt from the one before.
 */
class HungBackendTest {
    private static final String[] SLOW_HEARTBEATS = {"--io-threads", "1", "--heartbeat-timeout", "10000"};

    private static HttpResponse<String> get(TestStack stack, long id) throws Exception {
        return TestStack.http.send(HttpRequest.newBuilder(URI.create(stack.base + "/items")).header("X-Request-ID", Long.toString(id))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static TestStack start(RecordingBackend owner, RecordingBackend next, int deadlineFloorMillis) throws Exception {
        List<String> args = new ArrayList<>(List.of("--runtime", "static", "--backends", owner.address() + "," + next.address(),
                "--attempt-deadline-floor", Integer.toString(deadlineFloorMillis)));
        args.addAll(List.of(SLOW_HEARTBEATS));
        return TestStack.start(args.toArray(String[]::new));
    }

    /** Answers from the owner, so that the attempt deadline knows what it normally takes. */
    private static void warmUp(TestStack stack, long id, RecordingBackend owner) throws Exception {
        for (int i = 0; i < 20; i++) assertThat(get(stack, id).statusCode()).isEqualTo(200);
        assertThat(owner.requests()).hasSize(20);
    }

    @Test
    void onceAnAttemptPassedItsDeadlineTheHungReplicaIsPassedOverWithoutWaiting() throws Exception {
        try (RecordingBackend owner = new RecordingBackend(30_000, false);
             RecordingBackend next = new RecordingBackend(30_000, false);
             TestStack stack = start(owner, next, 2_000)) { // passed over for as long: the next requests come well within it
            long id = stack.idServedBy(owner.address());
            warmUp(stack, id, owner);
            owner.hung = true;
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> response = get(stack, id);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("{\"id\": \"" + id + "\"}");
            }
            assertThat(owner.requests()).as("requests the hung owner got: the first waited for its deadline, the others went by")
                    .hasSize(21);
            assertThat(next.requests()).as("requests the next replica clockwise answered").hasSize(5);
        }
    }

    @Test
    void aConnectThatTheReplicaNeverAcceptsEndsAtTheAttemptDeadlineNotTheConnectTimeout() throws Exception {
        try (RecordingBackend owner = new RecordingBackend(30_000, false, 1);
             RecordingBackend next = new RecordingBackend(30_000, false);
             TestStack stack = start(owner, next, 300)) {
            long id = stack.idServedBy(owner.address());
            warmUp(stack, id, owner);
            owner.hung = true;
            List<Socket> queued = fillAcceptQueue(owner);
            try {
                assertThat(get(stack, id).statusCode()).as("the pooled connection hangs: the deadline sends it on").isEqualTo(200);
                Thread.sleep(500); // the owner is no longer passed over: the next request opens a connection to it
                long start = System.nanoTime();
                HttpResponse<String> response = get(stack, id);
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(next.requests()).hasSize(2);
                assertThat(millis).as("ms: the 300 ms deadline ended the connect, not the 2000 ms connect timeout").isLessThan(1_500);
            } finally {
                for (Socket socket : queued) socket.close();
            }
        }
    }

    /** Connects until one does not complete: the accept queue of a server that accepts nothing is then full. */
    private static List<Socket> fillAcceptQueue(RecordingBackend backend) throws IOException {
        List<Socket> queued = new ArrayList<>();
        String[] address = backend.address().split(":");
        for (int i = 0; i < 64; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address[0], Integer.parseInt(address[1])), 300);
                queued.add(socket);
            } catch (IOException full) {
                socket.close();
                return queued;
            }
        }
        throw new AssertionError("64 connections went into the accept queue of a server that accepts none");
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A replica that takes a request and closes without answering. The request may have had its effect there, so a
 * POST is answered 502 and never sent anywhere else; an idempotent request is sent to the next replica clockwise.
 */
class DroppedRequestTest {

    private static HttpResponse<String> send(TestStack stack, String method, long id, byte[] body) throws Exception {
        return TestStack.http.send(HttpRequest.newBuilder(URI.create(stack.base + "/orders")).header("X-Request-ID", Long.toString(id))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] body() {
        byte[] body = new byte[30_000]; // within --retry-buffer (64 KiB), so only the method decides whether it is sent again
        new Random(15).nextBytes(body);
        return body;
    }

    @ParameterizedTest(name = "dropped after {0}")
    @EnumSource(value = RecordingBackend.Drop.class, names = {"HALF_THE_BODY", "WHOLE_REQUEST"})
    void aPostThatMayHaveArrivedIs502AndDeliveredExactlyOnce(RecordingBackend.Drop drop) throws Exception {
        try (RecordingBackend owner = new RecordingBackend(30_000, false);
             RecordingBackend next = new RecordingBackend(30_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", owner.address() + "," + next.address())) {
            owner.drop = drop;
            long id = stack.idServedBy(owner.address());
            HttpResponse<String> response = send(stack, "POST", id, body());
            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.body()).startsWith("{\"message\": \"<Error> Replica '" + owner.address() + "' failed during a POST request, which is not retried: ")
                    .endsWith("\"status\": \"failure\"}");
            assertThat(owner.requests()).as("deliveries to the owner").hasSize(1);
            assertThat(owner.requests().get(0).method()).isEqualTo("POST");
            assertThat(next.requests()).as("deliveries to the next replica").isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET", "PUT", "DELETE"})
    void anIdempotentRequestInTheSameSituationIsAnsweredByTheNextReplica(String method) throws Exception {
        try (RecordingBackend owner = new RecordingBackend(30_000, false);
             RecordingBackend next = new RecordingBackend(30_000, false);
             TestStack stack = TestStack.start("--runtime", "static", "--backends", owner.address() + "," + next.address())) {
            owner.drop = RecordingBackend.Drop.WHOLE_REQUEST;
            long id = stack.idServedBy(owner.address());
            byte[] body = method.equals("GET") ? new byte[0] : body();
            HttpResponse<String> response = send(stack, method, id, body);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"id\": \"" + id + "\"}");
            assertThat(owner.requests()).hasSize(1);
            assertThat(next.requests()).hasSize(1);
            assertThat(next.requests().get(0).method()).isEqualTo(method);
            assertThat(next.requests().get(0).body()).isEqualTo(body);
        }
    }
}

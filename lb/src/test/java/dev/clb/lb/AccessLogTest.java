package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --access-log}: one line per client request with the right fields; {@code off} writes nothing. */
class AccessLogTest {
    private static final Pattern LINE = Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z) (\\S+) (\\S+) (\\S+) (HTTP/\\S+) (\\d{3}) (\\S+) (\\d+) (\\d+\\.\\d{3})$");

    @Test
    void oneLinePerRequestWithTimeClientMethodPathProtocolStatusReplicaAttemptsAndDuration(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("access.log");
        Instant from = Instant.now().minusMillis(1);
        List<String> expected = new ArrayList<>();
        try (TestStack stack = TestStack.start("--replicas", "2", "--standby", "0", "--access-log", file.toString())) {
            for (int i = 0; i < 5; i++) {
                String id = Integer.toString(200_000 + i * 3571);
                var response = stack.get("/home?n=" + i, id);
                expected.add("127.0.0.1 GET /home?n=" + i + " HTTP/1.1 200 " + TestStack.servedBy(response.body()) + " 1");
            }
            stack.get("/no-such-path");
            expected.add("127.0.0.1 GET /no-such-path HTTP/1.1 400 - 1");
            stack.send("DELETE", "/rm", "{\"n\": 7}");
            expected.add("127.0.0.1 DELETE /rm HTTP/1.1 400 admin 0");
        }
        Instant to = Instant.now().plusMillis(1);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        lines.forEach(l -> System.out.println("ACCESS " + l));
        List<String> fields = new ArrayList<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            assertThat(m.matches()).as("line format: " + line).isTrue();
            assertThat(Instant.parse(m.group(1))).isBetween(from, to);
            assertThat(Double.parseDouble(m.group(9))).as("duration ms").isPositive().isLessThan(60_000);
            fields.add(String.join(" ", m.group(2), m.group(3), m.group(4), m.group(5), m.group(6), m.group(7), m.group(8)));
        }
        assertThat(fields).containsExactlyElementsOf(expected);
    }

    @Test
    void offWritesNothing() throws Exception {
        try (LoadBalancerChild lb = LoadBalancerChild.start("--replicas", "1", "--standby", "0", "--access-log", "off")) {
            int port = lb.port(Duration.ofSeconds(60));
            for (int i = 0; i < 3; i++) {
                var response = TestStack.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/home"))
                        .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
            }
            lb.process.destroy();
            assertThat(lb.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> !lb.process.isAlive());
            assertThat(String.join("\n", lb.stderr())).contains("load balancer stopped");
            assertThat(lb.stdout()).as("stdout with --access-log off").isEmpty();
        }
    }
}

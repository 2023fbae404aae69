package dev.clb.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The replica over real HTTP on a free port. */
class ReplicaServerTest {
    private static ReplicaServer server;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = ReplicaServer.start("server-7", "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void homeAnswersTheExactJson() throws Exception {
        HttpResponse<String> home = get("/home");
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.body()).isEqualTo("{\"message\": \"Hello from Server: server-7\", \"status\": \"successful\"}");
        assertThat(home.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    }

    @Test
    void heartbeatIs200WithAnEmptyBody() throws Exception {
        HttpResponse<String> beat = get("/heartbeat");
        assertThat(beat.statusCode()).isEqualTo(200);
        assertThat(beat.body()).isEmpty();
    }

    @Test
    void anyOtherPathIs404() throws Exception {
        assertThat(get("/other").statusCode()).isEqualTo(404);
        assertThat(get("/").statusCode()).isEqualTo(404);
        assertThat(get("/home/more").statusCode()).isEqualTo(404);
    }

    @Test
    void failingAnswers500ToAllButHeartbeatsUntilSwitchedBackOnlyWithTestPaths() throws Exception {
        assertThat(send("PUT", server.port(), "/test/failing").statusCode()).isEqualTo(404);
        assertThat(get("/home").statusCode()).isEqualTo(200);
        try (ReplicaServer testing = ReplicaServer.start("server-8", "127.0.0.1", 0, true)) {
            assertThat(send("PUT", testing.port(), "/test/failing").statusCode()).isEqualTo(200);
            for (String path : new String[] {"/home", "/test/delay?ms=0", "/other"}) {
                assertThat(send("GET", testing.port(), path).statusCode()).as(path).isEqualTo(500);
            }
            assertThat(send("POST", testing.port(), "/home").statusCode()).isEqualTo(500);
            assertThat(send("GET", testing.port(), "/heartbeat").statusCode()).isEqualTo(200);
            assertThat(send("DELETE", testing.port(), "/test/failing").statusCode()).isEqualTo(200);
            assertThat(send("GET", testing.port(), "/home").statusCode()).isEqualTo(200);
            assertThat(send("GET", testing.port(), "/other").statusCode()).isEqualTo(404);
        }
    }

    private static HttpResponse<String> send(String method, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void idsAreEscapedIntoValidJson() {
        assertThat(new String(ReplicaServer.homeBody("a\"b\\c"))).contains("Hello from Server: a\\\"b\\\\c\"");
    }
}

package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Property-based fuzzing of {@code /add}, {@code /rm} and {@code /rep} over real HTTP: random and mutated bodies
 * and methods. Whatever comes in: never a 5xx, every refusal is a JSON {@code <Error>}, and what {@code /rep}
 * lists, what the ring holds and what runs agree after every call.
 *
 * <p>Most tries go to a load balancer on the static runtime (two in-process backends), which parses and validates
 * every body exactly as the local runtime does but never starts a JVM; a few go to a local stack where valid
 * changes really start and stop replica processes, and each success is undone.
 */
class AdminFuzzTest {
    private static final ObjectMapper json = new ObjectMapper();
    private static final Pattern ERROR = Pattern.compile("\\{\"message\": \"<Error> .*\", \"status\": \"failure\"}", Pattern.DOTALL);

    record Call(String method, String path, String body) {
        @Override
        public String toString() {
            String shown = body.length() > 300 ? body.substring(0, 300) + "... (" + body.length() + " chars)" : body;
            return method + " " + path + " " + shown;
        }
    }

    // ---- generators -------------------------------------------------------------------------------------------

    private static Gen<String> hostname(List<String> inUse) {
        return Generate.frequency(List.of(
                Pair.of(4, strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 12).map(s -> "S" + s)),
                Pair.of(2, Generate.pick(inUse)),
                Pair.of(2, strings().basicMultilingualPlaneAlphabet().ofLengthBetween(0, 20)),
                Pair.of(1, strings().allPossible().ofLengthBetween(0, 8)),
                Pair.of(1, strings().basicLatinAlphabet().ofLengthBetween(60, 70)),
                Pair.of(1, Generate.pick(List.of("", " ", "-dash", "a b", "x".repeat(64), "名前", "server-1\u0000", "../etc", "\"", "\\")))));
    }

    /** A JSON value for {@code n}: mostly sane numbers, sometimes anything. */
    private static Gen<String> nValue() {
        return Generate.frequency(List.of(
                Pair.of(5, integers().between(-3, 6).map(i -> Integer.toString(i))),
                Pair.of(1, integers().all().map(i -> Integer.toString(i))),
                Pair.of(1, longs().all().map(l -> l + "0")),
                Pair.of(1, Generate.pick(List.of("99999999999999999999999999", "1e3", "1.5", "-0", "0.0", "\"2\"", "null", "true",
                        "[]", "{}", "[1]", "2147483648", "-2147483649", "NaN", "Infinity", "0x10", "01")))));
    }

    private static Gen<String> hostnamesValue(List<String> inUse) {
        Gen<String> list = lists().of(hostname(inUse)).ofSizeBetween(0, 5).map(AdminFuzzTest::toJson);
        Gen<String> duplicates = hostname(inUse).map(name -> toJson(List.of(name, name)));
        return Generate.frequency(List.of(
                Pair.of(6, list),
                Pair.of(1, duplicates),
                Pair.of(1, Generate.pick(List.of("null", "\"S1\"", "7", "[7]", "[null]", "[[\"S1\"]]", "{\"a\": 1}", "[\"S1\",]", "true")))));
    }

    /** Bodies shaped like the API's, with every part varied: fields missing, extra, repeated, mistyped. */
    private static Gen<String> shapedBody(List<String> inUse) {
        return nValue().zip(hostnamesValue(inUse), integers().between(0, 9), (n, names, shape) -> switch (shape) {
            case 0 -> "{\"n\": " + n + "}";
            case 1 -> "{\"hostnames\": " + names + "}";
            case 2 -> "{\"n\": " + n + ", \"hostnames\": " + names + ", \"extra\": 1}";
            case 3 -> "{\"n\": " + n + ", \"n\": " + n + ", \"hostnames\": " + names + "}";
            case 4 -> "[{\"n\": " + n + "}]";
            default -> "{\"n\": " + n + ", \"hostnames\": " + names + "}";
        });
    }

    /** A shaped body with a few characters inserted, deleted or replaced, or cut short. */
    private static Gen<String> mutatedBody(List<String> inUse) {
        return shapedBody(inUse).zip(lists().of(integers().between(0, Integer.MAX_VALUE)).ofSizeBetween(1, 4),
                strings().allPossible().ofLengthBetween(1, 2), (body, cuts, noise) -> {
                    StringBuilder b = new StringBuilder(body);
                    for (int cut : cuts) {
                        int at = b.length() == 0 ? 0 : cut % b.length();
                        switch (cut % 4) {
                            case 0 -> b.insert(at, noise);
                            case 1 -> { if (b.length() > 0) b.deleteCharAt(at); }
                            case 2 -> { if (b.length() > 0) b.setCharAt(at, "{}[]\",: \\0n".charAt(cut % 11)); }
                            default -> b.setLength(at);
                        }
                    }
                    return b.toString();
                });
    }

    private static Gen<String> body(List<String> inUse) {
        return Generate.frequency(List.of(
                Pair.of(10, shapedBody(inUse)),
                Pair.of(8, mutatedBody(inUse)),
                Pair.of(2, strings().allPossible().ofLengthBetween(0, 40)),
                Pair.of(1, Generate.pick(List.of("", " ", "null", "{", "}", "\"\"", "[]", "{}", "\uFEFF{\"n\": 1}")))
                ,
                Pair.of(1, integers().between(65_000, 70_000).map(size -> "{\"n\": 1, \"hostnames\": [\"" + "x".repeat(size) + "\"]}"))));
    }

    private static Gen<Call> calls(List<String> inUse) {
        Gen<String> method = Generate.frequency(List.of(Pair.of(5, Generate.constant("POST")), Pair.of(4, Generate.constant("DELETE")),
                Pair.of(1, Generate.pick(List.of("GET", "PUT", "PATCH", "OPTIONS")))));
        Gen<String> path = Generate.frequency(List.of(Pair.of(5, Generate.constant("/add")), Pair.of(4, Generate.constant("/rm")),
                Pair.of(1, Generate.constant("/rep"))));
        return method.zip(path, body(inUse), Call::new);
    }

    private static String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- the properties ---------------------------------------------------------------------------------------

    private static HttpResponse<String> send(TestStack stack, Call call) throws Exception {
        HttpRequest.BodyPublisher body = call.body().isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(call.body());
        return TestStack.http.send(HttpRequest.newBuilder(URI.create(stack.base + call.path())).method(call.method(), body)
                .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Never a 5xx; a refusal is exactly the API's JSON error; a success is the /rep body. */
    private static void assertWellFormed(Call call, HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as("status of " + call + ": " + response.body()).isBetween(200, 499);
        assertThat(response.headers().firstValue("Content-Type")).as(call.toString())
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        if (response.statusCode() >= 300) {
            assertThat(response.body()).as(call.toString()).matches(ERROR);
            JsonNode error = json.readTree(response.body());
            assertThat(error.size()).isEqualTo(2);
            assertThat(error.get("message").textValue()).startsWith("<Error> ");
        } else {
            assertThat(response.body()).as(call.toString()).startsWith("{\"message\": {\"N\": ").endsWith(", \"status\": \"successful\"}");
        }
    }

    /** /rep (over HTTP), the ring and the running replica processes name the same replicas. */
    private static List<String> assertAgree(TestStack stack) throws Exception {
        List<String> ring = stack.hostnames();
        assertThat(stack.get("/rep").body()).isEqualTo(TestStack.rep(ring.toArray(String[]::new)));
        if (stack.lb.runtime().isPresent()) {
            Set<String> running = new HashSet<>(stack.lb.runtime().orElseThrow().running());
            stack.lb.replicas().standbyHostnames().forEach(running::remove);
            assertThat(running).as("running replicas").containsExactlyInAnyOrderElementsOf(ring);
            assertThat(TestStack.replicaProcesses()).isEqualTo(stack.expectedProcesses());
        }
        return ring;
    }

    @Test
    void randomAndMutatedCallsNeverBreakTheStaticRuntimesAdminApi() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/heartbeat", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        backend.start();
        String address = "127.0.0.1:" + backend.getAddress().getPort();
        // generous heartbeats: a busy machine must not take the one backend out of the map in the middle of the run
        try (TestStack stack = TestStack.start("--runtime", "static", "--backends", address, "--heartbeat-timeout", "5000", "--failure-threshold", "20")) {
            List<String> before = assertAgree(stack);
            AtomicInteger tries = new AtomicInteger();
            int[] statuses = new int[6];
            long t0 = System.nanoTime();
            qt().withExamples(1500).withShrinkCycles(50).forAll(calls(List.of(address, "server-1"))).checkAssert(call -> {
                try {
                    HttpResponse<String> response = send(stack, call);
                    tries.incrementAndGet();
                    statuses[response.statusCode() / 100]++;
                    assertWellFormed(call, response);
                    assertThat(assertAgree(stack)).as("after " + call).isEqualTo(before);
                } catch (Exception e) {
                    throw new AssertionError(call + ": " + e, e);
                }
            });
            System.out.printf("FUZZ static runtime: %d calls in %.1f s: 2xx=%d 4xx=%d 5xx=%d%n", tries.get(), (System.nanoTime() - t0) / 1e9,
                    statuses[2], statuses[4], statuses[5]);
        } finally {
            backend.stop(0);
        }
    }

    @Test
    void validAndNearlyValidChangesOnRealProcessesAlwaysLeaveAConsistentState() throws Exception {
        try (TestStack stack = TestStack.start("--standby", "0", "--spawn-timeout", "120000")) {
            List<String> initial = assertAgree(stack);
            List<String> inUse = List.of("server-1", "server-2", "server-3");
            Gen<Call> changes = Generate.frequency(List.of(
                    Pair.of(3, integers().between(1, 2).zip(lists().of(hostname(inUse)).ofSizeBetween(0, 2),
                            (n, names) -> new Call("POST", "/add", "{\"n\": " + n + ", \"hostnames\": " + toJson(names) + "}"))),
                    Pair.of(3, integers().between(1, 4).zip(lists().of(Generate.pick(List.of("server-1", "server-2", "server-3", "nobody", "S1")))
                                    .ofSizeBetween(0, 2),
                            (n, names) -> new Call("DELETE", "/rm", "{\"n\": " + n + ", \"hostnames\": " + toJson(names) + "}"))),
                    Pair.of(2, calls(inUse))));
            AtomicInteger tries = new AtomicInteger(), successes = new AtomicInteger();
            long t0 = System.nanoTime();
            qt().withExamples(30).withShrinkCycles(0).forAll(changes).checkAssert(call -> {
                try {
                    List<String> before = assertAgree(stack);
                    HttpResponse<String> response = send(stack, call);
                    tries.incrementAndGet();
                    assertWellFormed(call, response);
                    List<String> after = assertAgree(stack);
                    if (response.statusCode() != 200 || call.path().equals("/rep")) {
                        assertThat(after).as("a refused " + call + " changes nothing").isEqualTo(before);
                        return;
                    }
                    successes.incrementAndGet();
                    undo(stack, before, after);
                    assertThat(new HashSet<>(assertAgree(stack))).isEqualTo(new HashSet<>(initial));
                } catch (Exception e) {
                    throw new AssertionError(call + ": " + e, e);
                }
            });
            System.out.printf("FUZZ local runtime: %d calls (%d changed the replicas and were undone) in %.1f s%n", tries.get(),
                    successes.get(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Puts the replicas back as they were: removes what was added, adds back (by name) what was removed. */
    private static void undo(TestStack stack, List<String> before, List<String> after) throws Exception {
        List<String> added = new ArrayList<>(after);
        added.removeAll(before);
        List<String> removed = new ArrayList<>(before);
        removed.removeAll(after);
        if (!added.isEmpty()) {
            assertThat(stack.send("DELETE", "/rm", "{\"n\": " + added.size() + ", \"hostnames\": " + toJson(added) + "}").statusCode()).isEqualTo(200);
        }
        if (!removed.isEmpty()) {
            assertThat(stack.send("POST", "/add", "{\"n\": " + removed.size() + ", \"hostnames\": " + toJson(removed) + "}").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aTwoMegabyteBodyToAddGetsTheSameClean4xxEveryTime() throws Exception {
        try (TestStack stack = TestStack.start("--runtime", "static", "--backends", "127.0.0.1:9")) {
            String huge = "{\"n\": 1, \"hostnames\": [\"" + "x".repeat(2 * 1024 * 1024) + "\"]}";
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> response = stack.send("POST", "/add", huge);
                answers.add(response.statusCode() + " " + response.body());
            }
            System.out.println("2 MB BODY to /add, 20 times: " + answers.stream().distinct().toList());
            assertThat(answers).as("20 answers to a 2 MB /add").containsOnly(answers.get(0));
            assertThat(answers.get(0)).startsWith("400 {\"message\": \"<Error> Request body too large");
        }
    }
}

package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.AdminClient;
import dev.clb.analyzer.deploy.AdminClient.Answer;
import dev.clb.analyzer.results.EndpointCheck;
import dev.clb.analyzer.traffic.HomeAnswer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A-3's tour of the API (SPEC §4): every endpoint with a good request and its documented errors, and every kind of
 * bad input, which must get a 400 with an {@code <Error> } message and leave {@code /rep} exactly as it was.
 * Replicas it adds it removes again, so the deployment ends as it started.
 */
final class EndpointChecks {
    private static final String PROBE = "a3-probe";
    private static final String PROBE_POST_RM = "a3-probe-post-rm";

    private final AdminClient admin;
    private final List<EndpointCheck> checks = new ArrayList<>();

    private EndpointChecks(AdminClient admin) {
        this.admin = admin;
    }

    static List<EndpointCheck> run(AdminClient admin) throws IOException {
        EndpointChecks tour = new EndpointChecks(admin);
        tour.goodRequests();
        tour.badRequests();
        return List.copyOf(tour.checks);
    }

    private void goodRequests() throws IOException {
        List<String> before = admin.replicas();
        int n = before.size();
        check("GET", "/rep", null, "200, N = " + n + " and the replicas, status successful",
                a -> a.status() == 200 && successful(a) && a.json().path("message").path("N").asInt(-1) == n);
        check("GET", "/home", null, "200, \"Hello from Server: <a replica /rep lists>\"",
                a -> a.status() == 200 && HomeAnswer.serverId(a.body()).filter(before::contains).isPresent());
        String noEndpoint = "<Error> '/other' endpoint does not exist in server replicas";
        check("GET", "/other", null, "400, " + noEndpoint, a -> a.status() == 400 && failure(a) && a.message().equals(noEndpoint));
        check("POST", "/add", AdminClient.payload(1, List.of(PROBE)), "200, N = " + (n + 1) + ", " + PROBE + " listed last",
                a -> a.status() == 200 && successful(a) && listed(a).size() == n + 1 && listed(a).get(n).equals(PROBE));
        check("DELETE", "/rm", AdminClient.payload(1, List.of(PROBE)), "200, N = " + n + ", the replicas as before",
                a -> a.status() == 200 && successful(a) && listed(a).equals(before));
        admin.add(1, List.of(PROBE_POST_RM));
        check("POST", "/rm", AdminClient.payload(1, List.of(PROBE_POST_RM)), "200 (POST /rm is accepted too), the replicas as before",
                a -> a.status() == 200 && listed(a).equals(before));
        String tooManyAdd = "<Error> Length of hostname list is more than newly added instances";
        check("POST", "/add", AdminClient.payload(1, List.of("x1", "x2")), "400, " + tooManyAdd,
                a -> a.status() == 400 && failure(a) && a.message().equals(tooManyAdd) && unchanged(before));
        String tooManyRm = "<Error> Length of hostname list is more than removable instances";
        check("DELETE", "/rm", AdminClient.payload(1, List.of(before.get(0), before.get(1 % n))), "400, " + tooManyRm,
                a -> a.status() == 400 && failure(a) && a.message().equals(tooManyRm) && unchanged(before));
    }

    private void badRequests() throws IOException {
        List<String> before = admin.replicas();
        bad("POST", "/add", "{\"n\": 1,");
        bad("POST", "/add", "[1, 2]");
        bad("POST", "/add", "{}");
        bad("POST", "/add", "{\"n\": \"two\"}");
        bad("POST", "/add", "{\"n\": 1.5}");
        bad("POST", "/add", "{\"n\": 0}");
        bad("POST", "/add", "{\"n\": -1}");
        bad("POST", "/add", "{\"n\": 1, \"hostnames\": \"S1\"}");
        bad("POST", "/add", "{\"n\": 1, \"hostnames\": [7]}");
        bad("POST", "/add", "{\"n\": 2, \"hostnames\": [\"dup\", \"dup\"]}");
        bad("POST", "/add", AdminClient.payload(1, List.of(before.get(0))));
        bad("POST", "/add", AdminClient.payload(1, List.of("bad name!")));
        bad("POST", "/add", "{\"n\": 1000}");
        bad("POST", "/add", "{\"n\": 1, \"hostnames\": [\"" + "x".repeat(70 * 1024) + "\"]}");
        bad("DELETE", "/rm", "not json");
        bad("DELETE", "/rm", "{\"n\": 0}");
        bad("DELETE", "/rm", AdminClient.payload(1, List.of("no-such-replica")));
        bad("DELETE", "/rm", "{\"n\": " + (before.size() + 1) + "}");
    }

    private void bad(String method, String path, String body) throws IOException {
        List<String> before = admin.replicas();
        check(method, path, body, "400 with an <Error> message; /rep unchanged",
                a -> a.status() == 400 && failure(a) && a.message().startsWith("<Error> ") && unchanged(before));
    }

    private void check(String method, String path, String body, String expected, Predicate<Answer> passes) throws IOException {
        Answer answer = admin.send(method, path, body);
        boolean passed;
        try {
            passed = passes.test(answer);
        } catch (UncheckedCheck e) {
            passed = false;
        }
        String request = method + " " + path + (body == null ? "" : " " + abbreviate(body));
        checks.add(new EndpointCheck(request, expected, answer.status() + " " + abbreviate(answer.body()), passed));
    }

    private boolean unchanged(List<String> before) {
        try {
            return admin.replicas().equals(before);
        } catch (IOException e) {
            throw new UncheckedCheck(e);
        }
    }

    private static boolean successful(Answer a) {
        return a.json().path("status").asText().equals("successful");
    }

    private static boolean failure(Answer a) {
        return a.json().path("status").asText().equals("failure");
    }

    private static List<String> listed(Answer a) {
        return AdminClient.replicasOf(a);
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 100 ? oneLine : oneLine.substring(0, 60) + "... (" + oneLine.length() + " chars)";
    }

    /** /rep could not be read while judging a check: the check fails. */
    private static final class UncheckedCheck extends RuntimeException {
        UncheckedCheck(IOException cause) {
            super(cause);
        }
    }
}

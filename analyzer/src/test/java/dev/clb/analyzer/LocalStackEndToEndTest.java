package dev.clb.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.analyzer.analysis.Analysis;
import dev.clb.analyzer.deploy.AdminClient;
import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.experiments.A1HomeDistribution;
import dev.clb.analyzer.experiments.A5Disruption;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyzer against the real stack: lb.jar started as a child process with the local runtime, as the analyzer
 * does without --lb. The jars come from the reactor (surefire sets lb.jar and replica.jar).
 */
class LocalStackEndToEndTest {
    private static final Path LB_JAR = Path.of(System.getProperty("lb.jar", "../lb/target/lb.jar"));
    private static final Path REPLICA_JAR = Path.of(System.getProperty("replica.jar", "../replica/target/replica.jar"));

    @TempDir
    Path out;

    /** Fails, never skips: a missing jar would otherwise pass 'mvn test' without running the analyzer end to end. */
    @BeforeAll
    static void jarsAreBuilt() {
        for (Path jar : List.of(LB_JAR, REPLICA_JAR)) {
            assertThat(Files.isRegularFile(jar)).as(jar.toAbsolutePath().normalize() + " is missing: build the jars first with "
                    + "'mvn -B -DskipTests package' (or 'make build') from the top directory, or run 'make test' (mvn verify), which builds them "
                    + "before this module's tests").isTrue();
        }
    }

    private Settings settings(int requests) {
        return new Settings(Map.of(), "assignment", requests, 16, 100, out, 42, LB_JAR, REPLICA_JAR);
    }

    @Test
    void shortA1WritesAChartAndCountsEveryRequest() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int exit = Analysis.run(settings(400), List.of(new A1HomeDistribution()), new PrintStream(console, true, StandardCharsets.UTF_8));

        String printed = console.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(printed).contains("started the local load balancer").contains("a1 assignment N=3").contains("as the model predicts");
        assertThat(ImageIO.read(out.resolve("a1-requests-per-replica.png").toFile())).isNotNull();
        JsonNode run = new ObjectMapper().readTree(out.resolve("a1.json").toFile()).path("run");
        long counted = 0;
        for (JsonNode count : run.path("counts")) counted += count.asLong();
        assertThat(counted).isEqualTo(400);
        assertThat(run.path("failed").asInt()).isZero();
        assertThat(run.path("check").path("passed").asBoolean()).as("split within 4 sigma of 8437/469/1094 per 10000").isTrue();
        assertThat(run.path("routingAgreement").asDouble()).isEqualTo(1.0);
        assertThat(Files.readString(out.resolve("REPORT.md"))).contains("## A-1");
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).as("the load balancer and its replicas are gone").isEmpty();
    }

    @Test
    void killsAReplicaForRealAndTheLoadBalancerReplacesIt() throws Exception {
        OkHttpClient http = new OkHttpClient();
        Deployments deployments = new Deployments(settings(10), http, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try (Deployment deployment = deployments.open(Setup.ASSIGNMENT, 2).orElseThrow()) {
            AdminClient admin = deployments.admin(deployment.url());
            assertThat(admin.replicas()).containsExactly("server-1", "server-2");
            deployment.kill("server-1");
            long deadline = System.nanoTime() + 30_000_000_000L;
            List<String> listed = admin.replicas();
            while ((listed.contains("server-1") || listed.size() != 2) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                listed = admin.replicas();
            }
            assertThat(listed).hasSize(2).contains("server-2").doesNotContain("server-1");
        }
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
    }

    @Test
    void shortA5OnARealStackMovesWhatTheChangesForceAndItsNumbersAddUp() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int exit = Analysis.run(settings(600), List.of(new A5Disruption(List.of(Setup.ASSIGNMENT, Setup.MAGLEV))),
                new PrintStream(console, true, StandardCharsets.UTF_8));

        String printed = console.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(printed).isZero();
        assertThat(ImageIO.read(out.resolve("a5-disruption.png").toFile())).isNotNull();
        JsonNode disruptions = new ObjectMapper().readTree(out.resolve("a5.json").toFile()).path("disruptions");
        assertThat(disruptions).hasSize(2);
        for (JsonNode d : disruptions) {
            for (JsonNode c : d.path("changes")) {
                String what = d.path("setup").asText() + " " + c.path("kind").asText();
                JsonNode moves = c.path("moves");
                int compared = moves.path("compared").asInt();
                int moved = moves.path("moved").asInt();
                int between = moves.path("movedBetweenStayers").asInt();
                assertThat(c.path("failed").asInt()).as(what).isZero();
                assertThat(compared).as(what + ": every request answered before and after").isEqualTo(600);
                assertThat(moved).as(what).isBetween(between, compared);
                if (c.path("kind").asText().equals("replace")) {
                    assertThat(moved).as(what + ": the replacement inherits its ring id, so nothing moves").isZero();
                } else {
                    // an id that moved either went to the added replica (came from the removed one) or between two that stayed
                    long forced = Math.round(c.path("minimum").asDouble() * compared);
                    assertThat(moved).as(what + ": moved = forced + between replicas that stayed").isEqualTo(forced + between);
                    assertThat(c.path("ideal").asDouble()).isEqualTo(c.path("kind").asText().equals("add") ? 0.25 : 1 / 3.0);
                }
            }
        }
        JsonNode slots = disruptions.get(0);
        assertThat(slots.path("setup").asText()).isEqualTo("assignment");
        for (JsonNode c : slots.path("changes")) assertThat(c.path("moves").path("movedBetweenStayers").asInt()).as("slot ring").isZero();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList()).as("the load balancers and replicas are gone").isEmpty();
    }
}

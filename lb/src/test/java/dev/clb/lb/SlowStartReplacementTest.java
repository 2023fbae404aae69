package dev.clb.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clb.hashmap.Ring;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.SlowStart;
import io.netty.util.concurrent.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Slow start on real processes: a replica killed under load (clients sending the ids it owns, which its replacement
 * takes over), its standby swapped in with {@code --slow-start 4000}. The share of those requests the replacement
 * answers rises from about 0 to all over the window, while /ring shows until when; and no id served after it joined
 * changes replica more than once (from the next replica to it).
 */
class SlowStartReplacementTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient direct = HttpClient.newHttpClient();
    private static final long WINDOW_MILLIS = 4000;
    private static final int CLIENTS = 8;

    /** One answer: when its request was sent and when it came (epoch ms), for which id, from which replica. */
    private record Answer(long sent, long at, long id, String replica) {
    }

    @Test
    void aReplacementsShareRisesOverTheWindowAndNoIdMovesTwice() throws Exception {
        try (TestStack stack = TestStack.start("--replicas", "3", "--standby", "1", "--strategy", "maglev",
                "--slow-start", Long.toString(WINDOW_MILLIS),
                // a fresh JVM on a busy machine may time out 5 attempts in a row: its ejection would pass it over too, which is not slow start's doing
                "--outlier-5xx", "0")) {
            String victim = "server-1";
            Ring<Replica> before = stack.lb.replicas().ring();
            List<Long> victimsIds = new ArrayList<>();
            for (long id = 100_000; victimsIds.size() < 80; id++) if (before.lookup(id).name().equals(victim)) victimsIds.add(id);
            ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            long stopAt = System.currentTimeMillis() + 60_000;
            for (int c = 0; c < CLIENTS; c++) {
                Thread client = new Thread(() -> {
                    while (System.currentTimeMillis() < stopAt && !Thread.currentThread().isInterrupted()) {
                        long id = victimsIds.get(ThreadLocalRandom.current().nextInt(victimsIds.size()));
                        try {
                            long sent = System.currentTimeMillis();
                            HttpResponse<String> response = stack.get("/home", Long.toString(id));
                            String replica = TestStack.servedBy(response.body());
                            if (response.statusCode() == 200 && replica != null) answers.add(new Answer(sent, System.currentTimeMillis(), id, replica));
                            else failures.add(id + " -> " + response.statusCode());
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            failures.add(id + " -> " + e);
                        }
                    }
                }, "slow-start-client-" + c);
                client.setDaemon(true);
                client.start();
                clients.add(client);
            }
            try {
                Awaitility.await("traffic").atMost(Duration.ofSeconds(30)).until(() -> answers.size() > 500);
                String standby = stack.lb.replicas().standbyHostnames().get(0);
                stack.kill(victim);
                Awaitility.await("swapped in").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                        .until(() -> stack.hostnames().contains(standby));
                Replica replacement = stack.lb.replicas().ring().node(standby).value();
                // read off the replica as /ring reads it: on a busy machine a poll of /ring may take longer than the window
                long until = replacement.slowStart().until(Duration.ofMillis(WINDOW_MILLIS).toNanos(), Ticker.systemTicker(), Clock.systemUTC())
                        .orElseThrow(() -> new AssertionError("the replacement is not slow-started"));
                long joined = until - WINDOW_MILLIS;
                long shown = ringSlowStartUntil(stack, standby);
                if (shown != 0 || System.currentTimeMillis() < until) {
                    assertThat(shown).as("/ring's slowStartUntil of the replacement").isCloseTo(until, within(10L));
                }
                assertThat(stack.hostnames()).allMatch(name -> name.equals(standby) || ringSlowStartUntil(stack, name) == 0);
                Thread.sleep(Math.max(0, until + 1000 - System.currentTimeMillis()));
                assertThat(ringSlowStartUntil(stack, standby)).as("/ring after the window").isZero();

                Ring<Replica> ring = stack.lb.replicas().ring();
                List<Answer> afterJoin = answers.stream().filter(a -> a.sent() >= joined).sorted(Comparator.comparingLong(Answer::sent)).toList();
                // the rule, answer by answer: its pick fell between the request's sending and its answer, so an id taken by
                // the replacement was answered after its threshold, and one that was not was sent before it (10 ms: the
                // conversion of the ticker to epoch ms)
                int taken = 0, passedOn = 0;
                for (Answer a : afterJoin) {
                    assertThat(ring.lookup(a.id()).value()).as("the replacement takes over its predecessor's ids").isSameAs(replacement);
                    long threshold = joined + Math.round(SlowStart.hashFraction(a.id()) * WINDOW_MILLIS);
                    if (a.replica().equals(standby)) {
                        taken++;
                        assertThat(a.at()).as("answer by the replacement for id %d, whose threshold is %d", a.id(), threshold).isGreaterThanOrEqualTo(threshold - 10);
                    } else {
                        passedOn++;
                        assertThat(a.sent()).as("answer by %s for id %d, whose threshold is %d", a.replica(), a.id(), threshold).isLessThanOrEqualTo(threshold + 10);
                    }
                }
                int buckets = 4;
                long bucketMillis = WINDOW_MILLIS / buckets;
                int[] its = new int[buckets + 2], itsTaken = new int[buckets + 2];
                Map<Long, List<String>> servedAfterJoin = new HashMap<>();
                for (Answer a : afterJoin) {
                    servedAfterJoin.computeIfAbsent(a.id(), id -> new ArrayList<>()).add(a.replica());
                    int bucket = (int) Math.min(buckets + 1, (a.sent() - joined) / bucketMillis);
                    its[bucket]++;
                    if (a.replica().equals(standby)) itsTaken[bucket]++;
                }
                double[] share = new double[buckets + 2];
                for (int b = 0; b < share.length; b++) share[b] = its[b] == 0 ? Double.NaN : (double) itsTaken[b] / its[b];
                System.out.printf("SLOW START share of its ids' requests the replacement answered, by when they were sent, per %d ms of a %d ms window "
                        + "(then after it): %s; requests %s; in the window %d taken, %d passed on%n",
                        bucketMillis, WINDOW_MILLIS, java.util.Arrays.toString(share), java.util.Arrays.toString(its), taken, passedOn);
                assertThat(passedOn).as("not vacuous: passed on within the window").isGreaterThan(20);
                assertThat(taken - itsTaken[buckets] - itsTaken[buckets + 1]).as("not vacuous: taken within the window").isGreaterThan(20);
                // expected 1/8, 3/8, 5/8, 7/8 in the four quarters of the window, then all: rising, loosely (few requests on a busy machine)
                assertThat(share[0]).as("first quarter of the window").isLessThan(0.5);
                assertThat(share[3]).as("last quarter").isGreaterThan(0.5);
                assertThat(share[buckets]).as("the second after the window").isEqualTo(1.0);

                int movedTwice = 0, moved = 0;
                for (Map.Entry<Long, List<String>> id : servedAfterJoin.entrySet()) {
                    int changes = 0;
                    List<String> seq = id.getValue();
                    for (int i = 1; i < seq.size(); i++) if (!seq.get(i).equals(seq.get(i - 1))) changes++;
                    if (changes > 0) {
                        moved++;
                        assertThat(seq.get(seq.size() - 1)).as("id %d moves to the replacement", id.getKey()).isEqualTo(standby);
                    }
                    if (changes > 1) movedTwice++;
                }
                System.out.printf("SLOW START ids seen after the join: %d; moved once: %d; moved twice or more: %d; failures %d%n",
                        servedAfterJoin.size(), moved, movedTwice, failures.size());
                assertThat(moved).as("not vacuous").isGreaterThan(15);
                assertThat(movedTwice).as("ids that changed replica twice after the join").isZero();
            } finally {
                clients.forEach(Thread::interrupt);
                for (Thread client : clients) client.join(30_000);
            }
        }
    }

    /** The replica's slowStartUntil in /ring, epoch ms; 0 when it is null. */
    private static long ringSlowStartUntil(TestStack stack, String hostname) {
        try {
            int port = stack.lb.managementPort().orElseThrow();
            JsonNode ring = JSON.readTree(direct.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ring")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode replica : ring.get("replicas")) {
                if (replica.get("hostname").asText().equals(hostname)) {
                    return replica.get("slowStartUntil").isNull() ? 0 : replica.get("slowStartUntil").asLong();
                }
            }
            throw new AssertionError(hostname + " not in /ring");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

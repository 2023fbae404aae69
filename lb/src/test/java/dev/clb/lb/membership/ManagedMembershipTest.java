package dev.clb.lb.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clb.hashmap.ConsistentHashMap;
import dev.clb.hashmap.HashScheme;
import dev.clb.hashmap.MaglevTable;
import dev.clb.hashmap.Probing;
import dev.clb.hashmap.RingConfig;
import dev.clb.hashmap.RingStrategy;
import dev.clb.lb.backend.Backend;
import dev.clb.lb.backend.Replica;
import dev.clb.lb.backend.ReplicaFactory;
import dev.clb.lb.core.Released;
import dev.clb.lb.events.MembershipEvents;
import dev.clb.lb.health.FakeHeartbeatProbe;
import dev.clb.lb.health.HeartbeatMonitor.Outcome;
import dev.clb.lb.membership.MembershipException.InvalidChange;
import dev.clb.lb.membership.MembershipException.NoRoom;
import dev.clb.lb.membership.MembershipException.StartFailed;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.lang.ref.WeakReference;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Membership of owned replicas on a fake runtime and fake heartbeats: what is started, stopped and listed, and when. */
class ManagedMembershipTest {
    private static final String RANDOM_NAME = "replica-[a-z0-9]{5}";

    private final FakeHeartbeatProbe probe = new FakeHeartbeatProbe();
    private FakeRuntime runtime = new FakeRuntime();
    private final ReplicaFactory made = new ReplicaFactory(1, new SimpleMeterRegistry());
    /** Replacements as the events see them: {@code failed -> replacement @ ring id}. */
    private final List<String> respawns = new CopyOnWriteArrayList<>();
    private final MembershipEvents events = new MembershipEvents() {
        @Override
        public void respawned(String failed, String replacement, int ringId) {
            respawns.add(failed + " -> " + replacement + " @ " + ringId);
        }
    };
    private final MockTicker clock = Ticker.newMockTicker();
    private ConsistentHashMap<Replica> map;
    private ManagedMembership manager;

    private dev.clb.hashmap.SlotRing<Replica> slotRing() {
        return (dev.clb.hashmap.SlotRing<Replica>) manager.ring();
    }

    private ManagedMembership manager(int standbys) {
        return manager(standbys, RingConfig.defaults(), Duration.ofSeconds(5));
    }

    private ManagedMembership manager(int standbys, RingStrategy ring, Duration spawnTimeout) {
        return manager(standbys, ring, spawnTimeout, Duration.ZERO);
    }

    private ManagedMembership manager(int standbys, RingStrategy ring, Duration spawnTimeout, Duration drainTimeout) {
        map = new ConsistentHashMap<>(ring);
        manager = new ManagedMembership(map, runtime, probe, made, events, new ManagedMembership.Settings(standbys, spawnTimeout, drainTimeout), clock);
        return manager;
    }

    @AfterEach
    void close() {
        if (manager != null) manager.close();
    }

    private static void await(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(condition);
    }

    private Replica backend(String hostname) {
        return manager.ring().node(hostname).value();
    }

    /** Whether {@code hostname} is within a 10 s slow start on the test's clock. */
    private boolean slowStarting(String hostname) {
        return backend(hostname).slowStart().until(Duration.ofSeconds(10).toNanos(), clock, Clock.systemUTC()).isPresent();
    }

    /** Fails {@code hostname} while replacements cannot start: its ring id stays vacant until the test allows them again. */
    private void failWithoutReplacement(String hostname) {
        runtime.refuseReplacements = true;
        manager.failed(backend(hostname), "test");
        await(hostname + " out, its ring id vacant", () -> !manager.hostnames().contains(hostname));
    }

    /** {@code /add} on another thread, for a test that acts while it waits for its replicas. */
    private CompletableFuture<List<String>> addInBackground(int n, List<String> hostnames) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return manager.add(n, hostnames);
            } catch (MembershipException e) {
                throw new CompletionException(e);
            }
        });
    }

    @Test
    void startBringsUpServer1ToNThenAWarmStandby() throws Exception {
        manager(1).start(3);
        assertThat(manager.hostnames()).containsExactly("server-1", "server-2", "server-3");
        assertThat(manager.ring().node("server-2").ringId()).isEqualTo(2);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        String standby = manager.standbyHostnames().get(0);
        assertThat(standby).matches(RANDOM_NAME);
        assertThat(runtime.started).containsExactlyInAnyOrder("server-1", "server-2", "server-3", standby);
        assertThat(manager.monitored()).extracting(Replica::hostname).containsExactlyInAnyOrder("server-1", "server-2", "server-3", standby);
        assertThat(manager.runtimeName()).isEqualTo("fake");
    }

    @Test
    void addStartsTheNamedOnesFirstThenRandomOnesAndAnswersTheListAfter() throws Exception {
        manager(0).start(2);
        List<String> after = manager.add(4, List.of("S5", "S4"));
        assertThat(after).hasSize(6).startsWith("server-1", "server-2", "S5", "S4");
        assertThat(after.subList(4, 6)).allMatch(n -> n.matches(RANDOM_NAME)).doesNotHaveDuplicates();
        assertThat(after).isEqualTo(manager.hostnames());
        assertThat(new HashSet<>(runtime.started)).isEqualTo(new HashSet<>(after));
        assertThat(manager.ring().node("S4").ringId()).isEqualTo(4);
        assertThat(runtime.stopped).isEmpty();
    }

    @Test
    void addRefusesAHostnameInUseAndStartsNothing() throws Exception {
        manager(1).start(2);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        String standby = manager.standbyHostnames().get(0);
        List<String> startedBefore = List.copyOf(runtime.started);
        for (String taken : List.of("server-2", standby)) {
            assertThatThrownBy(() -> manager.add(2, List.of("S7", taken))).isInstanceOf(InvalidChange.class)
                    .hasMessage("Hostname '" + taken + "' is already in use");
        }
        assertThat(runtime.started).isEqualTo(startedBefore);
        assertThat(manager.hostnames()).containsExactly("server-1", "server-2");
    }

    @Test
    void addRefusesWhatTheMapCannotHoldAndStartsNothing() throws Exception {
        manager(0, new RingConfig(16, 4, HashScheme.ASSIGNMENT, Probing.LINEAR), Duration.ofSeconds(5)).start(3);
        assertThatThrownBy(() -> manager.add(2, List.of())).isInstanceOf(NoRoom.class)
                .hasMessageStartingWith("Cannot add 2 replicas to the 3 there are: the map (16 slots, 4 virtual servers each) has no room for them (");
        assertThat(runtime.started).containsExactlyInAnyOrder("server-1", "server-2", "server-3");
        assertThat(manager.add(1, List.of())).hasSize(4);
    }

    @Test
    void startRefusesMoreReplicasThanTheMapHoldsBeforeStartingAny() {
        manager(0, new RingConfig(16, 4, HashScheme.ASSIGNMENT, Probing.LINEAR), Duration.ofSeconds(5));
        assertThatThrownBy(() -> manager.start(5)).isInstanceOf(NoRoom.class)
                .hasMessageStartingWith("Cannot add 5 replicas to the 0 there are: the map (16 slots, 4 virtual servers each) has no room");
        assertThat(runtime.started).isEmpty();
        assertThat(manager.hostnames()).isEmpty();
    }

    @Test
    void startBeyondAMaglevTablesCapacityIsRefusedSayingWhatItHolds() {
        manager(0, new MaglevTable.Config(3), Duration.ofSeconds(5));
        assertThatThrownBy(() -> manager.start(4)).isInstanceOf(NoRoom.class)
                .hasMessageStartingWith("Cannot add 4 replicas to the 0 there are: the map (maglev, at most 3 replicas) has no room for them (");
        assertThat(runtime.started).isEmpty();
    }

    @Test
    void removeTakesTheNamedOnesAndRandomOthersAndStopsExactlyThose() throws Exception {
        manager(0).start(5);
        List<String> after = manager.remove(3, List.of("server-2"));
        assertThat(after).hasSize(2).doesNotContain("server-2").isEqualTo(manager.hostnames());
        assertThat(runtime.stopped).hasSize(3).contains("server-2").doesNotHaveDuplicates();
        Set<String> gone = new HashSet<>(List.of("server-1", "server-2", "server-3", "server-4", "server-5"));
        after.forEach(gone::remove);
        assertThat(new HashSet<>(runtime.stopped)).as("graceful stops of exactly the removed ones").isEqualTo(gone);
        assertThat(runtime.running()).isEqualTo(Set.copyOf(after));
        assertThat(manager.remove(2, List.of())).isEmpty();
    }

    @Test
    void removeRefusesTooManyOrUnknownNamesAndStopsNothing() throws Exception {
        manager(0).start(3);
        assertThatThrownBy(() -> manager.remove(4, List.of())).hasMessage("Cannot remove 4 replicas: only 3 exist");
        assertThatThrownBy(() -> manager.remove(2, List.of("server-1", "nobody")))
                .hasMessage("Hostname 'nobody' is not a replica of this load balancer");
        assertThat(runtime.stopped).isEmpty();
        assertThat(manager.hostnames()).containsExactly("server-1", "server-2", "server-3");
        assertThat(manager.remove(3, List.of())).isEmpty();
    }

    @Test
    void aFailedReplicaIsSwappedForTheWarmStandbyOnItsRingIdThenAnotherStandbyStarts() throws Exception {
        manager(1).start(3);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        String standby = manager.standbyHostnames().get(0);
        int[] slots = slotRing().virtualServerSlots("server-2");
        manager.failed(backend("server-2"), "test");
        await("replaced", () -> !manager.hostnames().contains("server-2") && manager.hostnames().size() == 3);
        assertThat(manager.hostnames()).containsExactly("server-1", "server-3", standby);
        assertThat(manager.ring().node(standby).ringId()).isEqualTo(2);
        assertThat(slotRing().virtualServerSlots(standby)).containsExactly(slots);
        assertThat(runtime.stopped).containsExactly("server-2!");
        assertThat(respawns).containsExactly("server-2 -> " + standby + " @ 2");
        await("a new standby", () -> manager.standbyHostnames().size() == 1 && !manager.standbyHostnames().contains(standby));
        assertThat(runtime.started).hasSize(5);
    }

    @Test
    void withoutAStandbyAFreshReplicaTakesTheFailedOnesRingId() throws Exception {
        manager(0).start(3);
        manager.failed(backend("server-1"), "test");
        await("replaced", () -> !manager.hostnames().contains("server-1") && manager.hostnames().size() == 3);
        String fresh = manager.hostnames().get(2);
        assertThat(fresh).matches(RANDOM_NAME);
        assertThat(manager.hostnames()).containsExactly("server-2", "server-3", fresh);
        assertThat(manager.ring().node(fresh).ringId()).isEqualTo(1);
        assertThat(slowStarting(fresh)).as("a fresh start on the vacant seat").isTrue();
        assertThat(runtime.stopped).containsExactly("server-1!");
        assertThat(manager.standbyHostnames()).isEmpty();
    }

    @Test
    void aStandbyThatNoLongerAnswersIsDiscardedAndAFreshReplicaStartsInstead() throws Exception {
        manager(1).start(3);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        String standby = manager.standbyHostnames().get(0);
        probe.answer(standby, Outcome.REFUSED);
        manager.failed(backend("server-3"), "test");
        await("replaced", () -> !manager.hostnames().contains("server-3") && manager.hostnames().size() == 3);
        String fresh = manager.hostnames().get(2);
        assertThat(fresh).isNotEqualTo(standby).matches(RANDOM_NAME);
        assertThat(manager.ring().node(fresh).ringId()).isEqualTo(3);
        assertThat(runtime.stopped).startsWith(standby + "!").contains("server-3!");
    }

    @Test
    void aFailedStandbyIsStoppedAndAnotherStartsWhileTheMapStaysAsItIs() throws Exception {
        manager(1).start(2);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        String standby = manager.standbyHostnames().get(0);
        Replica standbyBackend = manager.monitored().stream().filter(b -> b.hostname().equals(standby)).findFirst().orElseThrow();
        manager.failed(standbyBackend, "test");
        await("another standby", () -> manager.standbyHostnames().size() == 1 && !manager.standbyHostnames().contains(standby));
        assertThat(runtime.stopped).containsExactly(standby + "!");
        assertThat(manager.hostnames()).containsExactly("server-1", "server-2");
    }

    @Test
    void aReplicaThatCannotStartStopsTheOthersOfItsRequestAndChangesNothing() throws Exception {
        manager(0).start(2);
        runtime.refuseToStart.add("S9");
        assertThatThrownBy(() -> manager.add(2, List.of("S8", "S9"))).isInstanceOf(StartFailed.class)
                .hasMessage("Could not start replicas: cannot start 'S9'");
        // S8 is either stopped or, abandoned once S9 failed, never started: nothing of the request is left running
        await("nothing left of the request", () -> !runtime.running.contains("S8"));
        assertThat(runtime.started.contains("S8")).isEqualTo(runtime.stopped.contains("S8!"));
        assertThat(runtime.running).containsExactlyInAnyOrder("server-1", "server-2");
        assertThat(manager.hostnames()).containsExactly("server-1", "server-2");
    }

    @Test
    void aReplicaThatNeverAnswersItsHeartbeatIsStoppedAndRefused() throws Exception {
        manager(0, RingConfig.defaults(), Duration.ofMillis(300)).start(1);
        probe.answer("S9", Outcome.MISSED);
        assertThatThrownBy(() -> manager.add(1, List.of("S9"))).isInstanceOf(StartFailed.class)
                .hasMessage("Could not start replicas: replica 'S9' did not answer /heartbeat within 0 s");
        assertThat(runtime.stopped).contains("S9!");
        assertThat(manager.hostnames()).containsExactly("server-1");
    }

    @Test
    void aFailureOfSomethingNotInTheMapChangesNothing() throws Exception {
        manager(0).start(2);
        manager.failed(made.of(new Backend("stranger", "127.0.0.1", 9)), "test");
        Thread.sleep(100);
        assertThat(manager.hostnames()).containsExactly("server-1", "server-2");
        assertThat(runtime.stopped).isEmpty();
    }

    @Test
    void anAdoptedRingIsTheLiveOneEvenAfterProbingPushedAVirtualServerPastASlotWhoseOwnerLeft() throws Exception {
        // every ring id's virtual server j has home slot 4j: ring id 1 takes 0 and 4, 2 probes on to 1 and 5, 3 to 2 and 6
        HashScheme colliding = new HashScheme("colliding", "test", (id, m) -> (int) Math.floorMod(id, m), (i, j, m) -> 4 * j % m);
        RingConfig ring = new RingConfig(16, 2, colliding, Probing.LINEAR);
        manager(1, ring, Duration.ofSeconds(5)).start(3);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        String standby = manager.standbyHostnames().get(0);
        Thread.sleep(2); // the standby joins after the others, as it would in a real run
        manager.failed(backend("server-1"), "test");
        await("replaced", () -> manager.hostnames().contains(standby) && manager.hostnames().size() == 3);
        await("a new standby", () -> manager.standbyHostnames().size() == 1);
        java.util.Map<String, int[]> live = new java.util.HashMap<>();
        manager.hostnames().forEach(name -> live.put(name, slotRing().virtualServerSlots(name)));
        ManagedMembership first = manager;

        runtime = runtime.survivors();
        manager(1, ring, Duration.ofSeconds(5)).start(3);
        first.close();
        assertThat(runtime.started).as("nothing started: all adopted").isEmpty();
        assertThat(manager.hostnames()).containsExactly("server-2", "server-3", standby);
        live.forEach((name, slots) -> assertThat(slotRing().virtualServerSlots(name)).as(name).containsExactly(slots));
    }

    @Test
    void aSwappedInStandbyAndAddedReplicasAreSlowStartedThoseOfTheStartAndAdoptedOnesAreNot() throws Exception {
        clock.advance(1, TimeUnit.HOURS); // a ticker's time as a running JVM's would be: well past 0
        manager(1).start(3);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        String standby = manager.standbyHostnames().get(0);
        assertThat(List.of("server-1", "server-2", "server-3")).noneMatch(this::slowStarting);
        manager.failed(backend("server-2"), "test");
        await("replaced", () -> manager.hostnames().contains(standby));
        assertThat(slowStarting(standby)).as("the standby swapped in").isTrue();
        manager.add(1, List.of("S4"));
        assertThat(slowStarting("S4")).as("added by /add").isTrue();
        assertThat(slowStarting("server-3")).isFalse();
        Replica swappedIn = backend(standby);

        ManagedMembership predecessor = manager;
        runtime = runtime.survivors();
        manager(1).start(4);
        predecessor.close();
        assertThat(runtime.started).as("nothing started: all adopted").isEmpty();
        assertThat(manager.hostnames()).as("adopted within the window all the same").hasSize(4).noneMatch(this::slowStarting);
        clock.advance(10, TimeUnit.SECONDS);
        assertThat(swappedIn.slowStart().until(Duration.ofSeconds(10).toNanos(), clock, Clock.systemUTC())).as("its window is over").isEmpty();
    }

    @Test
    void closeStopsEverythingAndLaterFailuresAreIgnored() throws Exception {
        manager(1).start(2);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        Replica one = backend("server-1");
        manager.close();
        assertThat(runtime.closed).isTrue();
        assertThat(manager.standbyHostnames()).isEmpty();
        manager.failed(one, "after close");
        Thread.sleep(100);
        assertThat(runtime.stopped).isEmpty();
        assertThat(manager.hostnames()).containsExactly("server-1", "server-2");
    }

    @Test
    void twoVacanciesAreFilledEachOnItsOwnRingIdAndASuccessorAdoptsTheReplacementsThere() throws Exception {
        manager(0).start(3);
        failWithoutReplacement("server-2");
        failWithoutReplacement("server-1");
        runtime.refuseReplacements = false;
        await("both filled and recorded", () -> respawns.size() == 2);
        String second = manager.hostnames().get(1), first = manager.hostnames().get(2);
        assertThat(manager.ring().node(second).ringId()).isEqualTo(2);
        assertThat(manager.ring().node(first).ringId()).isEqualTo(1);
        assertThat(respawns).containsExactly("server-2 -> " + second + " @ 2", "server-1 -> " + first + " @ 1");
        ManagedMembership predecessor = manager;

        runtime = runtime.survivors();
        manager(0).start(3);
        predecessor.close();
        assertThat(runtime.started).as("nothing started: all adopted").isEmpty();
        assertThat(manager.ring().nodes()).extracting(n -> n.name() + "=" + n.ringId())
                .containsExactlyInAnyOrder("server-3=3", second + "=2", first + "=1");
    }

    @Test
    void aVacantRingIdThatAnAddTookMeanwhileLeavesTheLateReplacementTheNextFreeOneWhereASuccessorFindsIt() throws Exception {
        manager(0).start(3);
        failWithoutReplacement("server-1");
        manager.add(1, List.of("S4"));
        assertThat(manager.ring().node("S4").ringId()).as("the smallest free ring id: the vacant one").isEqualTo(1);
        runtime.refuseReplacements = false;
        await("the vacancy filled and recorded", () -> respawns.size() == 1);
        String replacement = manager.hostnames().get(3);
        assertThat(replacement).matches(RANDOM_NAME);
        assertThat(manager.ring().node(replacement).ringId()).isEqualTo(4);
        ManagedMembership predecessor = manager;

        runtime = runtime.survivors();
        manager(0).start(4);
        predecessor.close();
        assertThat(manager.ring().node(replacement).ringId()).isEqualTo(4);
        assertThat(manager.ring().node("S4").ringId()).isEqualTo(1);
    }

    @Test
    void aReplacementThatNoLongerFitsBecauseAnAddFilledTheMapIsStopped() throws Exception {
        manager(0, new RingConfig(16, 4, HashScheme.ASSIGNMENT, Probing.LINEAR), Duration.ofSeconds(5)).start(3);
        failWithoutReplacement("server-1");
        manager.add(2, List.of("S4", "S5"));
        runtime.refuseReplacements = false;
        await("the replacement started", () -> runtime.started.stream().anyMatch(n -> n.matches(RANDOM_NAME)));
        String replacement = runtime.started.stream().filter(n -> n.matches(RANDOM_NAME)).findFirst().orElseThrow();
        await("and stopped", () -> runtime.stopped.contains(replacement + "!"));
        assertThat(manager.hostnames()).containsExactly("server-2", "server-3", "S4", "S5");
        assertThat(respawns).isEmpty();
    }

    @Test
    void whenTheMapFillsUpWhileAnAddWaitsForItsReplicasTheyAreStoppedAndTheAddIsRefused() throws Exception {
        manager(0, new RingConfig(16, 4, HashScheme.ASSIGNMENT, Probing.LINEAR), Duration.ofSeconds(5)).start(3);
        probe.hold("S9");
        CompletableFuture<List<String>> adding = addInBackground(1, List.of("S9"));
        await("S9 started, its heartbeat pending", () -> probe.sentTo("S9") > 0);
        map.add("intruder", made.of(new Backend("intruder", "127.0.0.1", 9)));
        probe.release("S9", Outcome.ALIVE);
        assertThatThrownBy(adding::join).cause().isInstanceOf(NoRoom.class)
                .hasMessageStartingWith("The map has no room for the new replicas: ");
        assertThat(runtime.stopped).containsExactly("S9!");
        assertThat(manager.hostnames()).containsExactly("server-1", "server-2", "server-3", "intruder");
    }

    @Test
    void aReplicaThatExitsBeforeAnsweringAbandonsTheOtherStartsOfItsRequestAtOnce() throws Exception {
        manager(0, RingConfig.defaults(), Duration.ofSeconds(3)).start(1);
        probe.answer("S8", Outcome.MISSED).answer("S9", Outcome.MISSED);
        CompletableFuture<List<String>> adding = addInBackground(2, List.of("S8", "S9"));
        await("both started", () -> runtime.started.containsAll(List.of("S8", "S9")));
        runtime.running.remove("S9");
        assertThatThrownBy(() -> adding.get(2, TimeUnit.SECONDS)).as("S8 is not awaited for its 3 s").cause().isInstanceOf(StartFailed.class)
                .hasMessage("Could not start replicas: replica 'S9' exited before it answered /heartbeat");
        assertThat(runtime.stopped).contains("S8!");
        assertThat(manager.hostnames()).containsExactly("server-1");
    }

    @Test
    void aReplicaThatExitsAfterTheOthersOfItsRequestAnsweredHasThemStopped() throws Exception {
        manager(0, RingConfig.defaults(), Duration.ofSeconds(3)).start(1);
        probe.answer("S9", Outcome.MISSED);
        CompletableFuture<List<String>> adding = addInBackground(2, List.of("S8", "S9"));
        await("S8 answered, S9 started", () -> probe.sentTo("S8") > 0 && runtime.started.contains("S9"));
        runtime.running.remove("S9");
        assertThatThrownBy(adding::join).cause().isInstanceOf(StartFailed.class)
                .hasMessage("Could not start replicas: replica 'S9' exited before it answered /heartbeat");
        assertThat(runtime.stopped).contains("S8!");
        assertThat(runtime.running).containsExactly("server-1");
        assertThat(manager.hostnames()).containsExactly("server-1");
    }

    @Test
    void aFailureReportedWhileAnAddHoldsTheLockAndHandledAfterCloseChangesNothing() throws Exception {
        manager(0).start(2);
        probe.answer("S9", Outcome.MISSED);
        CompletableFuture<List<String>> adding = addInBackground(1, List.of("S9"));
        await("S9 started, not answering", () -> probe.sentTo("S9") > 0);
        manager.failed(backend("server-1"), "before close");
        manager.close();
        assertThatThrownBy(adding::join).cause().isInstanceOf(StartFailed.class)
                .hasMessage("Could not start replicas: start of 'S9' abandoned: the load balancer is stopping");
        Thread.sleep(100);
        assertThat(runtime.stopped).containsExactly("S9!");
        assertThat(manager.hostnames()).containsExactly("server-1", "server-2");
    }

    @Test
    void aSuccessorKeepsTheStandbyItFindsAndStartsOnlyTheReplicasMissing() throws Exception {
        manager(1).start(3);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        String standby = manager.standbyHostnames().get(0);
        ManagedMembership predecessor = manager;

        runtime = runtime.survivors();
        runtime.running.remove("server-2");
        manager(1).start(3);
        predecessor.close();
        assertThat(manager.standbyHostnames()).containsExactly(standby);
        assertThat(runtime.started).hasSize(1);
        String fresh = runtime.started.get(0);
        assertThat(manager.hostnames()).containsExactly("server-1", "server-3", fresh);
        assertThat(manager.ring().node(fresh).ringId()).isEqualTo(2);
    }

    @Test
    void removeStopsAReplicaOnlyOnceTheRequestsItServesAreAnswered() throws Exception {
        manager(0, RingConfig.defaults(), Duration.ofSeconds(5), Duration.ofSeconds(30)).start(2);
        Replica serving = backend("server-1");
        serving.begin();
        CompletableFuture<List<String>> removing = CompletableFuture.supplyAsync(() -> {
            try {
                return manager.remove(1, List.of("server-1"));
            } catch (InvalidChange e) {
                throw new CompletionException(e);
            }
        });
        await("server-1 out of the map", () -> !manager.hostnames().contains("server-1"));
        Thread.sleep(100);
        assertThat(runtime.stopped).as("still serving a request").isEmpty();
        serving.end();
        assertThat(removing.get(10, TimeUnit.SECONDS)).as("answered at once, not at the drain timeout").containsExactly("server-2");
        assertThat(runtime.stopped).containsExactly("server-1");
    }

    @Test
    void removeStopsAReplicaStillBusyAtTheDrainTimeout() throws Exception {
        manager(0, RingConfig.defaults(), Duration.ofSeconds(5), Duration.ofMillis(200)).start(2);
        backend("server-1").begin();
        assertThat(manager.remove(1, List.of("server-1"))).containsExactly("server-2");
        assertThat(runtime.stopped).containsExactly("server-1");
    }

    /** Nothing here holds a replica that is gone, with its count and state; one still in the map is the same object. */
    @Test
    void aRemovedReplicaIsLetGo() throws Exception {
        manager(0).start(3);
        Replica staying = backend("server-2");
        WeakReference<Replica> removed = new WeakReference<>(backend("server-1"));
        manager.remove(1, List.of("server-1"));
        Released.await("nothing left of a replica that is gone", removed);
        assertThat(backend("server-2")).as("a replica still in the map").isSameAs(staying);
    }

    /** A crash loop: each failed replica is replaced, and none of those that failed is held once replaced. */
    @Test
    void aCrashLoopOfReplacementsLetsEveryFailedReplicaGo() throws Exception {
        manager(0).start(2);
        List<WeakReference<Replica>> failed = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) failed.add(failAndAwaitReplacement(i));
        assertThat(manager.hostnames()).hasSize(2);
        for (WeakReference<Replica> gone : failed) Released.await("a failed replica, replaced", gone);
    }

    private WeakReference<Replica> failAndAwaitReplacement(int i) {
        Replica failing = manager.ring().nodes().get(0).value();
        manager.failed(failing, "test");
        await("replacement " + i, () -> respawns.size() == i + 1);
        return new WeakReference<>(failing);
    }

    @Test
    void aRemoveInterruptedWhileItDrainsStopsTheReplicaAtOnceAndKeepsTheInterrupt() throws Exception {
        manager(0, RingConfig.defaults(), Duration.ofSeconds(5), Duration.ofSeconds(30)).start(2);
        backend("server-1").begin();
        CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();
        Thread admin = new Thread(() -> {
            try {
                manager.remove(1, List.of("server-1"));
                interruptedAfter.complete(Thread.currentThread().isInterrupted());
            } catch (Throwable e) {
                interruptedAfter.completeExceptionally(e);
            }
        }, "admin");
        admin.start();
        await("server-1 out of the map, draining", () -> !manager.hostnames().contains("server-1"));
        admin.interrupt();
        assertThat(interruptedAfter.get(5, TimeUnit.SECONDS)).as("the thread's interrupt status after remove").isTrue();
        assertThat(runtime.stopped).as("stopped without waiting for the 30 s drain").containsExactly("server-1");
        assertThat(manager.hostnames()).containsExactly("server-2");
    }

    @Test
    void aSuccessfulReplacementResetsTheBackOffSoTheNextFailureIsRetriedSoon() throws Exception {
        manager(0).start(3);
        runtime.refuseReplacements = true;
        manager.failed(backend("server-1"), "test");
        // three refused starts, after 0, 250 and 750 ms: the next would come 1 s later, then 2 s, 4 s, 8 s
        await("three refused replacements", () -> runtime.refused.get() == 3);
        runtime.refuseReplacements = false;
        await("the vacancy filled", () -> respawns.size() == 1);
        runtime.refuseReplacements = true;
        long failedAt = System.nanoTime();
        manager.failed(backend("server-2"), "test");
        await("one more refused replacement", () -> runtime.refused.get() == 4);
        runtime.refuseReplacements = false;
        await("the second vacancy filled", () -> respawns.size() == 2);
        assertThat((System.nanoTime() - failedAt) / 1_000_000).as("ms until the retry after the failure that followed a success")
                .isLessThan(1_200); // 250 ms after a success; 2 s had the three earlier failures still counted
    }

    @Test
    void theExitOfAMonitoredReplicaIsReportedWithItsBackendAndOthersAreIgnored() throws Exception {
        manager(1).start(2);
        List<Replica> exited = new CopyOnWriteArrayList<>();
        manager.onExit(exited::add);
        runtime.exit("stranger");
        runtime.exit("server-2");
        assertThat(exited).containsExactly(backend("server-2"));
    }

    @Test
    void aStandbyReadyOnlyAfterTheFailureFillsTheVacancyWhereASuccessorFindsIt() throws Exception {
        failServer1WhileItsStandbyIsDeadAndReplacementsAreRefused();
        String replacement = manager.hostnames().get(1);
        assertThat(respawns).containsExactly("server-1 -> " + replacement + " @ 1");
        ManagedMembership predecessor = manager;

        runtime = runtime.survivors();
        manager(0).start(2);
        predecessor.close();
        assertThat(manager.ring().nodes()).extracting(n -> n.name() + "=" + n.ringId()).containsExactly("server-2=2", replacement + "=1");
    }

    /** The vacancy's later retry takes the standby that became ready meanwhile; the pool must start another. */
    @Test
    void aStandbyTakenByAVacancyRetryIsReplacedByAnother() throws Exception {
        failServer1WhileItsStandbyIsDeadAndReplacementsAreRefused();
        await("another standby in its place", () -> manager.standbyHostnames().size() == 1);
        assertThat(manager.standbyHostnames()).doesNotContainAnyElementsOf(manager.hostnames());
    }

    /** Two replicas and a standby that no longer answers; server-1 fails: the vacancy waits for the next standby. */
    private void failServer1WhileItsStandbyIsDeadAndReplacementsAreRefused() throws Exception {
        manager(1).start(2);
        await("a standby", () -> manager.standbyHostnames().size() == 1);
        probe.answer(manager.standbyHostnames().get(0), Outcome.REFUSED);
        runtime.refuseReplacements = true;
        manager.failed(backend("server-1"), "test");
        await("the vacancy filled by the next standby", () -> respawns.size() == 1);
    }
}

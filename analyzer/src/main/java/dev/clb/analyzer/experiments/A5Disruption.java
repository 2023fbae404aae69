package dev.clb.analyzer.experiments;

import dev.clb.analyzer.Settings;
import dev.clb.analyzer.Setup;
import dev.clb.analyzer.deploy.AdminClient;
import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.deploy.ManagementClient;
import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.stats.Moves;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * disruption. For each placement, the same requests (A-1's seeded ids) before and after three changes at N = 3:
 * a replica killed with SIGKILL and replaced (the replacement inherits its ring id: ideally nothing moves), one replica
 * added (ideally 1/4 of the ids move, all to it), one removed (ideally 1/3 move, all from it). Moves are counted by ring
 * id, which {@code /ring} gives. Bounded loads are left out: they route by load at the moment, not by placement alone.
 */
public final class A5Disruption implements Experiment {
    static final int REPLICAS = 3;
    private static final long GIVE_UP_NANOS = 30_000_000_000L;

    private final List<Setup> setups;
    private final List<Disruption> disruptions = new ArrayList<>();
    private final List<String> notMeasured = new ArrayList<>();

    /** Every placement: the slot ring with each hash, ring, maglev. */
    public A5Disruption() {
        this(Setup.PLACEMENTS);
    }

    /** Only {@code setups}, e.g. one for a quick test. */
    public A5Disruption(List<Setup> setups) {
        this.setups = List.copyOf(setups);
    }

    @Override
    public String id() {
        return "a5";
    }

    @Override
    public String title() {
        return "A-5: disruption when a replica is added, removed or replaced";
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return setups;
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        Optional<Deployment> opened = session.deployment(setup, REPLICAS);
        if (opened.isEmpty()) {
            notMeasured.add(setup.name() + ": " + Deployments.missing(setup));
            session.out().println("  a5: " + setup.name() + " not measured: " + Deployments.missing(setup));
            return;
        }
        Deployment deployment = opened.get();
        ManagementClient management = session.deployments().management(deployment);
        AdminClient admin = session.deployments().admin(deployment.url());
        RingView start = management.ring();
        Optional<Measured> reusable = reusableBase(session, setup, start);
        Measured base = reusable.isPresent() ? reusable.get() : MeasuredRun.measure(session, deployment, "a5 " + setup.name() + " before", false);

        // the same ring ids in every setup: ring id 1 is killed and replaced, ring id 2 removed
        RingView.Replica victim = start.byRingId(1).orElse(start.replicas().get(0));
        deployment.kill(victim.hostname());
        RingView replaced = await(management, ring -> ring.replicas().size() == REPLICAS
                && ring.byRingId(victim.ringId()).filter(r -> !r.hostname().equals(victim.hostname())).isPresent(),
                "a replacement for " + victim.hostname() + " on ring id " + victim.ringId());
        Measured afterReplace = MeasuredRun.measure(session, deployment, "a5 " + setup.name() + " replaced", false);
        String newcomer = replaced.byRingId(victim.ringId()).orElseThrow().hostname();
        Change replace = Change.of("replace", "kill -9 " + victim.hostname() + " (ring id " + victim.ringId() + "), replaced by " + newcomer,
                base, afterReplace, 0, 0);

        String added = "a5-added";
        admin.add(1, List.of(added));
        RingView grown = await(management, ring -> ring.hostnames().contains(added), "/ring listing " + added);
        Measured afterAdd = MeasuredRun.measure(session, deployment, "a5 " + setup.name() + " added", false);
        int addedId = grown.ringIds().get(added);
        Change add = Change.of("add", "added " + added + " (ring id " + addedId + ")", afterReplace, afterAdd, 1.0 / (REPLICAS + 1), addedId);

        admin.remove(1, List.of(added));
        RingView.Replica leaving = replaced.byRingId(2).orElse(replaced.replicas().get(1));
        admin.remove(1, List.of(leaving.hostname()));
        await(management, ring -> ring.replicas().size() == REPLICAS - 1, "/ring listing " + (REPLICAS - 1) + " replicas");
        Measured afterRemove = MeasuredRun.measure(session, deployment, "a5 " + setup.name() + " removed", false);
        Change remove = Change.of("remove", "removed " + leaving.hostname() + " (ring id " + leaving.ringId() + ")", afterReplace, afterRemove,
                1.0 / REPLICAS, leaving.ringId());

        Disruption disruption = new Disruption(setup.name(), setup.label(), start.describe(), setup.strategy(), List.of(replace, add, remove));
        disruption.changes().forEach(c -> session.out().println("  " + c.line()));
        disruptions.add(disruption);
    }

    /** A-1's run of this setup when the placement has the same ring ids now: the same ids sent, no need to send them again. */
    private static Optional<Measured> reusableBase(Session session, Setup setup, RingView now) {
        Optional<Measured> home = session.homeRuns.getOrDefault(setup.name(), Optional.empty());
        return home.filter(m -> new HashSet<>(m.ring().ringIds().values()).equals(new HashSet<>(now.ringIds().values())));
    }

    private static RingView await(ManagementClient management, Predicate<RingView> until, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + GIVE_UP_NANOS;
        RingView ring = management.ring();
        while (!until.test(ring)) {
            if (System.nanoTime() > deadline) throw new IOException("no " + what + " within 30 s; /ring shows " + ring.ringIds());
            Thread.sleep(20);
            ring = management.ring();
        }
        return ring;
    }

    @Override
    public boolean report(Session session) throws Exception {
        if (disruptions.isEmpty()) throw new IllegalStateException("no setup could be measured: " + notMeasured);
        var settings = session.settings();
        Optional<A5Result> before = settings.onlySetups().isEmpty() ? Optional.empty() : session.files().read("a5", A5Result.class);
        A5Result result = new A5Result(Provenance.of(settings),
                Merge.bySetup(settings, disruptions, before.map(A5Result::disruptions).orElse(List.of()), Disruption::setup),
                Merge.notMeasured(settings, notMeasured, before.map(A5Result::notMeasured).orElse(List.of())));
        session.files().json("a5", result);
        List<List<Object>> rows = new ArrayList<>();
        for (Disruption d : result.disruptions()) {
            for (Change c : d.changes()) {
                rows.add(List.of(d.setup(), c.kind(), c.what(), c.moves().compared(), c.moves().moved(), c.moves().fraction(), c.ideal(),
                        c.minimum(), c.moves().movedBetweenStayers(), c.failed()));
            }
        }
        session.files().csv("a5", List.of("setup", "change", "what", "compared", "moved", "moved_fraction", "ideal", "minimum",
                "moved_between_stayers", "failed"), rows);
        Charts.disruption(result.disruptions(), session.files().png("a5-disruption"));
        return result.passed();
    }

    /**
     * One setup's three changes.
     *
     * @param placement the placement as {@code /ring} described it before the changes
     */
    public record Disruption(String setup, String label, String placement, String strategy, List<Change> changes) {
        /** Nothing moves on a replacement, and nothing between replicas that stayed (Maglev: at most 0.5 %); Maglev moves at most 1.05x the ideal, give or take sampling. */
        public boolean passed() {
            return changes.stream().allMatch(c -> c.failed() == 0 && (c.kind().equals("replace") ? c.moves().moved() == 0 : withinTargets(c)));
        }

        private boolean withinTargets(Change c) {
            if (!strategy.equals("maglev")) return c.moves().movedBetweenStayers() == 0;
            double sigma = Math.sqrt(c.ideal() * (1 - c.ideal()) / Math.max(1, c.moves().compared()));
            return c.moves().betweenStayersFraction() <= 0.005 && c.moves().fraction() <= 1.05 * c.ideal() + 4 * sigma;
        }
    }

    /**
     * One change and the requests it moved.
     *
     * @param ideal   the fraction a perfect placement moves: 1/(N+1) for an addition, 1/N for a removal, 0 for a replacement
     * @param minimum the fraction that had to move with this very placement: what the added replica took, what the removed one held
     * @param failed  requests that failed before or after the change
     */
    public record Change(String kind, String what, Moves moves, double ideal, double minimum, int failed) {
        static Change of(String kind, String what, Measured before, Measured after, double ideal, int changedRingId) {
            int[] from = before.ringIdsAnswering();
            int[] to = after.ringIdsAnswering();
            Set<Integer> stayed = new HashSet<>(before.ring().ringIds().values());
            stayed.retainAll(after.ring().ringIds().values());
            Moves moves = Moves.between(from, to, stayed);
            int touching = 0;
            for (int i = 0; i < from.length; i++) {
                if (from[i] != 0 && to[i] != 0 && changedRingId != 0 && (from[i] == changedRingId) != (to[i] == changedRingId)) touching++;
            }
            double minimum = moves.compared() == 0 ? 0 : (double) touching / moves.compared();
            return new Change(kind, what, moves, ideal, minimum, before.result().failed() + after.result().failed());
        }

        String line() {
            return String.format("a5 %-8s %-55s moved %5.2f%% (ideal %5.2f%%, this placement's minimum %5.2f%%), between replicas that stayed %d",
                    kind, what, 100 * moves.fraction(), 100 * ideal, 100 * minimum, moves.movedBetweenStayers());
        }
    }
}

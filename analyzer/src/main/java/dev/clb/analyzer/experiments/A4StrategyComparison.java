package dev.clb.analyzer.experiments;

import dev.clb.analyzer.Settings;
import dev.clb.analyzer.Setup;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.RunTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A-1 with every setup (slots with each hash, ring, maglev, and bounded loads), the model's split beside the
 * measured one; A-2 with each hash of the slot ring. Runs already measured in this session (A-1 and A-2 under
 * {@code all}) are reused. In remote mode only the setups with a load balancer are measured.
 */
public final class A4StrategyComparison implements Experiment {
    /** The setups also measured for N = 2..6: the hash comparison of the slot ring. */
    static final List<Setup> SCALED = List.of(Setup.ASSIGNMENT, Setup.MURMUR, Setup.FNV);

    private final List<RunResult> homeRuns = new ArrayList<>();
    private final List<Scaling> scalings = new ArrayList<>();
    private final List<String> notMeasured = new ArrayList<>();

    @Override
    public String id() {
        return "a4";
    }

    @Override
    public String title() {
        return "A-4: every strategy, hash and bounded load side by side";
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return Setup.ALL;
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        Optional<Measured> home = A1HomeDistribution.measure(session, setup, "a4");
        if (home.isEmpty()) {
            String why = Deployments.missing(setup);
            notMeasured.add(setup.name() + ": " + why);
            session.out().println("  a4: " + setup.name() + " not measured: " + why);
            return;
        }
        homeRuns.add(home.get().result());
        if (SCALED.contains(setup)) A2Scaling.measure(session, setup, "a4").ifPresent(scalings::add);
    }

    @Override
    public boolean report(Session session) throws Exception {
        if (homeRuns.isEmpty()) throw new IllegalStateException("no setup could be measured: " + notMeasured);
        var settings = session.settings();
        Optional<A4Result> before = settings.onlySetups().isEmpty() ? Optional.empty() : session.files().read("a4", A4Result.class);
        A4Result result = new A4Result(Provenance.of(settings),
                Merge.bySetup(settings, homeRuns, before.map(A4Result::homeRuns).orElse(List.of()), RunResult::setup),
                Merge.bySetup(settings, scalings, before.map(A4Result::scalings).orElse(List.of()), Scaling::setup),
                Merge.notMeasured(settings, notMeasured, before.map(A4Result::notMeasured).orElse(List.of())));
        session.files().json("a4", result);
        List<RunResult> all = Stream.concat(result.homeRuns().stream(), result.scalings().stream().flatMap(s -> s.runs().stream())).toList();
        session.files().csv("a4", RunTable.HEADER, RunTable.rows(all));
        Charts.homeCountsBySetup(result.homeRuns(), session.files().png("a4-requests-per-replica-by-setup"));
        Charts.maxOverMeanBySetup(result.homeRuns(), session.files().png("a4-max-over-mean-by-setup"));
        if (!result.scalings().isEmpty()) {
            Charts.loadVersusNByHash(result.scalings(), session.files().png("a4-load-vs-n-by-hash"));
            Charts.spreadByHash(result.scalings(), session.files().png("a4-spread-by-hash"));
        }
        return result.passed();
    }
}

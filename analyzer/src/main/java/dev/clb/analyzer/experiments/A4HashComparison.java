package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.RunTable;
import dev.clb.hashmap.HashScheme;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A-4: A-1 and A-2 with every hash of the hash map, side by side. Runs already measured in this session (A-1 and A-2
 * with the assignment's hash under {@code all}) are reused. In remote mode only the hashes with a load balancer are measured.
 */
public final class A4HashComparison implements Experiment {

    @Override
    public String id() {
        return "a4";
    }

    @Override
    public String title() {
        return "A-4: A-1 and A-2 with every hash function";
    }

    @Override
    public boolean run(Session session) throws Exception {
        List<RunResult> homeRuns = new ArrayList<>();
        List<Scaling> scalings = new ArrayList<>();
        List<String> notMeasured = new ArrayList<>();
        for (HashScheme hash : HashScheme.ALL) {
            Optional<RunResult> home = A1HomeDistribution.measure(session, hash);
            Optional<Scaling> scaling = A2Scaling.measure(session, hash);
            home.ifPresent(homeRuns::add);
            scaling.ifPresent(scalings::add);
            if (home.isEmpty()) {
                String why = Deployments.missing(hash);
                notMeasured.add(hash.name() + ": " + why);
                session.out().println("  a4: " + hash.name() + " not measured: " + why);
            }
        }
        if (homeRuns.isEmpty()) throw new IllegalStateException("no hash could be measured: " + notMeasured);
        A4Result result = new A4Result(Provenance.of(session.settings()), homeRuns, scalings, notMeasured);
        session.files().json("a4", result);
        List<RunResult> all = Stream.concat(homeRuns.stream(), scalings.stream().flatMap(s -> s.runs().stream())).toList();
        session.files().csv("a4", RunTable.HEADER, RunTable.rows(all));
        Charts.homeCountsByHash(homeRuns, session.files().png("a4-requests-per-replica-by-hash"));
        Charts.loadVersusNByHash(scalings, session.files().png("a4-load-vs-n-by-hash"));
        Charts.spreadByHash(scalings, session.files().png("a4-spread-by-hash"));
        return result.passed();
    }
}

package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.RunTable;
import dev.clb.hashmap.HashScheme;
import java.util.List;
import java.util.Optional;

/** requests to {@code /home} with N = 3; how many each replica answered, against what the hash map predicts. */
public final class A1HomeDistribution implements Experiment {
    static final int REPLICAS = 3;

    @Override
    public String id() {
        return "a1";
    }

    @Override
    public String title() {
        return "A-1: requests per replica, N = " + REPLICAS;
    }

    /** A-1's run for {@code hash}, measured once per session; empty in remote mode when no load balancer runs that hash. */
    static Optional<RunResult> measure(Session session, HashScheme hash) throws Exception {
        Optional<RunResult> done = session.homeRuns.get(hash.name());
        if (done != null) return done;
        Optional<Deployment> deployment = session.deployment(hash, REPLICAS);
        Optional<RunResult> result = deployment.isEmpty() ? Optional.empty()
                : Optional.of(MeasuredRun.measure(session, deployment.get(), "a1 " + hash.name() + " N=" + REPLICAS));
        session.homeRuns.put(hash.name(), result);
        return result;
    }

    @Override
    public boolean run(Session session) throws Exception {
        HashScheme hash = session.settings().primaryHash();
        RunResult run = measure(session, hash).orElseThrow(() -> new IllegalStateException(Deployments.missing(hash)));
        session.files().json("a1", new A1Result(Provenance.of(session.settings()), run));
        session.files().csv("a1", RunTable.HEADER, RunTable.rows(List.of(run)));
        Charts.homeCounts(run, session.files().png("a1-requests-per-replica"));
        return run.passed();
    }
}

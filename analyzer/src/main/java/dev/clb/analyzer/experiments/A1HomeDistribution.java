package dev.clb.analyzer.experiments;

import dev.clb.analyzer.Settings;
import dev.clb.analyzer.Setup;
import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.RunTable;
import java.util.List;
import java.util.Optional;

/** requests to {@code /home} with N = 3; how many each replica answered, against what the model predicts. */
public final class A1HomeDistribution implements Experiment {
    static final int REPLICAS = 3;
    private RunResult run;

    @Override
    public String id() {
        return "a1";
    }

    @Override
    public String title() {
        return "A-1: requests per replica, N = " + REPLICAS;
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return List.of(settings.primarySetup());
    }

    /** The run at N = 3 for {@code setup}, measured once per session; empty in remote mode when no load balancer runs it. */
    static Optional<Measured> measure(Session session, Setup setup, String experiment) throws Exception {
        Optional<Measured> done = session.homeRuns.get(setup.name());
        if (done != null) return done;
        Optional<Deployment> deployment = session.deployment(setup, REPLICAS);
        Optional<Measured> result = deployment.isEmpty() ? Optional.empty()
                : Optional.of(MeasuredRun.measure(session, deployment.get(), experiment + " " + setup.name() + " N=" + REPLICAS));
        session.homeRuns.put(setup.name(), result);
        return result;
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        run = measure(session, setup, "a1").orElseThrow(() -> new IllegalStateException(Deployments.missing(setup))).result();
    }

    @Override
    public boolean report(Session session) throws Exception {
        session.files().json("a1", new A1Result(Provenance.of(session.settings()), run));
        session.files().csv("a1", RunTable.HEADER, RunTable.rows(List.of(run)));
        Charts.homeCounts(run, session.files().png("a1-requests-per-replica"));
        return run.passed();
    }
}

package dev.clb.analyzer.experiments;

import dev.clb.analyzer.Settings;
import dev.clb.analyzer.Setup;
import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.RunTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * N = 2..6 on one load balancer, scaled through {@code /rm} (down to 2) and {@code /add} (one replica at a time);
 * the load per replica and its spread per N.
 */
public final class A2Scaling implements Experiment {
    static final int FROM = 2;
    static final int TO = 6;
    private Scaling scaling;

    @Override
    public String id() {
        return "a2";
    }

    @Override
    public String title() {
        return "A-2: load per replica for N = " + FROM + ".." + TO;
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return List.of(settings.primarySetup());
    }

    /** The runs for N = 2..6 of {@code setup}, measured once per session; empty in remote mode when no load balancer runs it. */
    static Optional<Scaling> measure(Session session, Setup setup, String experiment) throws Exception {
        Optional<Scaling> done = session.scalings.get(setup.name());
        if (done != null) return done;
        Optional<Scaling> result = Optional.empty();
        if (session.deployment(setup, FROM).isPresent()) {
            List<RunResult> runs = new ArrayList<>();
            for (int n = FROM; n <= TO; n++) {
                Deployment deployment = session.deployment(setup, n).orElseThrow();
                runs.add(MeasuredRun.measure(session, deployment, experiment + " " + setup.name() + " N=" + n).result());
            }
            result = Optional.of(new Scaling(setup.name(), setup.label(), runs));
        }
        session.scalings.put(setup.name(), result);
        return result;
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        scaling = measure(session, setup, "a2").orElseThrow(() -> new IllegalStateException(Deployments.missing(setup)));
    }

    @Override
    public boolean report(Session session) throws Exception {
        session.files().json("a2", new A2Result(Provenance.of(session.settings()), scaling));
        session.files().csv("a2", RunTable.HEADER, RunTable.rows(scaling.runs()));
        Charts.loadVersusN(scaling, session.files().png("a2-load-vs-n"));
        return scaling.passed();
    }
}

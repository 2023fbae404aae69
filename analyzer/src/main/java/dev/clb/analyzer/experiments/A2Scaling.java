package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.RunTable;
import dev.clb.hashmap.HashScheme;
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

    @Override
    public String id() {
        return "a2";
    }

    @Override
    public String title() {
        return "A-2: load per replica for N = " + FROM + ".." + TO;
    }

    /** A-2's runs for {@code hash}, measured once per session; empty in remote mode when no load balancer runs that hash. */
    static Optional<Scaling> measure(Session session, HashScheme hash) throws Exception {
        Optional<Scaling> done = session.scalings.get(hash.name());
        if (done != null) return done;
        Optional<Scaling> result = Optional.empty();
        if (session.deployment(hash, FROM).isPresent()) {
            List<RunResult> runs = new ArrayList<>();
            for (int n = FROM; n <= TO; n++) {
                Deployment deployment = session.deployment(hash, n).orElseThrow();
                runs.add(MeasuredRun.measure(session, deployment, "a2 " + hash.name() + " N=" + n));
            }
            result = Optional.of(new Scaling(hash.name(), runs));
        }
        session.scalings.put(hash.name(), result);
        return result;
    }

    @Override
    public boolean run(Session session) throws Exception {
        HashScheme hash = session.settings().primaryHash();
        Scaling scaling = measure(session, hash).orElseThrow(() -> new IllegalStateException(Deployments.missing(hash)));
        session.files().json("a2", new A2Result(Provenance.of(session.settings()), scaling));
        session.files().csv("a2", RunTable.HEADER, RunTable.rows(scaling.runs()));
        Charts.loadVersusN(scaling, session.files().png("a2-load-vs-n"));
        return scaling.passed();
    }
}

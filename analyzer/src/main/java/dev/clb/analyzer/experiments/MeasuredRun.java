package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.results.RunResult;
import dev.clb.analyzer.traffic.ProgressBar;
import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.analyzer.traffic.TrafficRunner;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured run against a deployment as it is: an uncounted warm-up, then {@code requests} requests with the
 * seeded ids (the same ids in every run, so runs differ only in their configuration), as fast as the dispatcher allows.
 */
final class MeasuredRun {
    /** Warm-up ids come from another stream than the measured ones. */
    private static final long WARMUP_SEED_SALT = 0x5DEECE66DL;
    /**
     * A freshly started load balancer and its replicas are still compiling: warm-up batches repeat until two in a
     * row are no more than this much faster than the best before them (one alone is too noisy to tell)...
     */
    private static final double STILL_WARMING = 1.05;
    /** ...but no more often than this. */
    private static final int MAX_WARMUP_BATCHES = 10;

    private MeasuredRun() {
    }

    static Measured measure(Session session, Deployment deployment, String label) throws IOException, InterruptedException {
        return measure(session, deployment, label, true);
    }

    /** As above; without warm-up where only the placement matters, not the speed. */
    static Measured measure(Session session, Deployment deployment, String label, boolean warm) throws IOException, InterruptedException {
        var settings = session.settings();
        var management = session.deployments().management(deployment);
        RingView ring = management.ring();
        int warmupBatches = warm ? warmUp(session, deployment) : 0;
        TrafficRunner.Run run = session.traffic().start(deployment.url(), RequestIds.generate(settings.seed(), settings.requests()));
        TrafficResult traffic;
        try (ProgressBar bar = ProgressBar.show(session.out(), label, run)) {
            traffic = run.await();
        }
        RingView after = management.ring();
        Map<String, String> replaced = replacements(ring, after);
        if (!after.replicas().equals(ring.replicas()) && replaced.isEmpty()) {
            session.out().println("  note: the placement changed during " + label + ": " + ring.ringIds() + " -> " + after.ringIds());
        }
        if (!replaced.isEmpty()) traffic = traffic.renamed(replaced);
        RunResult result = RunResult.of(label, deployment.setup().name(), ring, traffic, replaced);
        session.out().println(result.line() + (warmupBatches > 0 ? " [after " + warmupBatches + " warm-up batches]" : ""));
        session.record(result);
        return new Measured(result, ring, traffic);
    }

    /**
     * Replicas listed after a run that took over a ring id a replica listed before it held (the load balancer replaced
     * one it found failed): new name to old.
     */
    static Map<String, String> replacements(RingView before, RingView after) {
        Map<String, String> replaced = new LinkedHashMap<>();
        for (RingView.Replica now : after.replicas()) {
            if (before.ringIds().containsKey(now.hostname())) continue;
            before.byRingId(now.ringId()).filter(old -> !after.ringIds().containsKey(old.hostname()))
                    .ifPresent(old -> replaced.put(now.hostname(), old.hostname()));
        }
        return replaced;
    }

    /**
     * Batches of {@code warmup} uncounted requests, repeated until two batches in a row are not more than 5% faster
     * than the best before them (at most {@value #MAX_WARMUP_BATCHES}): two or three batches for a warm load
     * balancer, more for a fresh one. Returns how many were sent.
     */
    static int warmUp(Session session, Deployment deployment) throws InterruptedException {
        int size = session.settings().warmup();
        if (size == 0) return 0;
        double best = 0;
        int batch = 0, flat = 0;
        while (batch < MAX_WARMUP_BATCHES && flat < 2) {
            long[] ids = RequestIds.generate(session.settings().seed() ^ (WARMUP_SEED_SALT + batch), size);
            double rate = session.traffic().start(deployment.url(), ids).await().perSecond();
            batch++;
            flat = rate > best * STILL_WARMING ? 0 : flat + 1;
            best = Math.max(best, rate);
        }
        return batch;
    }
}

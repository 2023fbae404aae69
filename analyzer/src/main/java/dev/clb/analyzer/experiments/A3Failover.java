package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.AdminClient;
import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.ProgressBar;
import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.analyzer.traffic.TrafficRunner;
import dev.clb.analyzer.Settings;
import dev.clb.analyzer.Setup;
import dev.clb.analyzer.deploy.RingView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * the endpoint tour, then a replica killed for real while steady traffic flows ({@code requests} spread evenly over
 * {@value #TRAFFIC_SECONDS} s, the kill after {@value #KILL_AT_SECONDS} s): when the load balancer noticed
 * ({@code /rep} stops listing it), when N replicas served again (the replacement answered a request), which requests
 * failed, and requests per replica per 100 ms around it.
 */
public final class A3Failover implements Experiment {
    static final int REPLICAS = 3;
    static final double TRAFFIC_SECONDS = 8.0;
    static final double KILL_AT_SECONDS = 2.0;
    static final int BIN_MILLIS = 100;
    private static final long POLL_MILLIS = 5;
    private static final long GIVE_UP_NANOS = 30_000_000_000L;
    private A3Result result;

    @Override
    public String id() {
        return "a3";
    }

    @Override
    public String title() {
        return "A-3: endpoints, and a replica killed under traffic";
    }

    @Override
    public List<Setup> setups(Settings settings) {
        return List.of(settings.primarySetup());
    }

    @Override
    public void measure(Session session, Setup setup) throws Exception {
        Deployment deployment = session.deployment(setup, REPLICAS).orElseThrow(() -> new IllegalStateException(Deployments.missing(setup)));
        AdminClient admin = session.deployments().admin(deployment.url());
        var management = session.deployments().management(deployment);
        List<EndpointCheck> checks = EndpointChecks.run(admin);
        long passed = checks.stream().filter(EndpointCheck::passed).count();
        session.out().printf("  a3 endpoints: %d of %d checks passed%n", passed, checks.size());
        checks.stream().filter(c -> !c.passed()).forEach(c -> session.out().println("    FAILED " + c.request() + ": expected "
                + c.expected() + ", got " + c.actual()));
        // the victim is the replica on ring id 1: with the assignment's functions, the busiest
        RingView before = management.ring();
        RingView.Replica victim = before.byRingId(1).orElse(before.replicas().get(0));
        Failover failover = killUnderTraffic(session, deployment, admin, victim.hostname());
        session.out().println(describe(failover));
        RingView after = management.ring();
        result = new A3Result(Provenance.of(session.settings()), setup.name(), before.describe(), checks, failover, victim.ringId(), after.ringIds());
    }

    @Override
    public boolean report(Session session) throws Exception {
        session.files().json("a3", result);
        session.files().csv("a3-checks", List.of("request", "expected", "actual", "passed"),
                result.checks().stream().map(c -> List.<Object>of(c.request(), c.expected(), c.actual(), c.passed())).toList());
        session.files().csv("a3-timeline", timelineHeader(result.failover()), timelineRows(result.failover()));
        Charts.failoverTimeline(result.failover(), session.files().png("a3-failover-timeline"));
        return result.passed();
    }

    private static Failover killUnderTraffic(Session session, Deployment deployment, AdminClient admin, String victim)
            throws IOException, InterruptedException {
        var settings = session.settings();
        List<String> before = admin.replicas();
        MeasuredRun.warmUp(session, deployment);
        long[] ids = RequestIds.generate(settings.seed(), settings.requests());
        TrafficRunner.Run run = session.traffic().startPaced(deployment.url(), ids, settings.requests() / TRAFFIC_SECONDS);
        String skipped = null;
        long killAt = -1;
        Double detectedAfterMs = null;
        TrafficResult traffic;
        try (ProgressBar bar = ProgressBar.show(session.out(), "a3 kill " + victim, run)) {
            long wait = (long) (KILL_AT_SECONDS * 1e9) - run.elapsedNanos();
            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            killAt = run.elapsedNanos();
            try {
                deployment.kill(victim);
                detectedAfterMs = awaitGone(admin, victim, run, killAt);
            } catch (IOException e) {
                skipped = "no replica killed: " + e.getMessage();
                killAt = -1;
            }
            traffic = run.await();
        }
        List<String> after = awaitReplicas(admin, before.size());
        List<String> replacements = after.stream().filter(name -> !before.contains(name)).toList();
        return summarize(skipped, victim, before, after, replacements, traffic, killAt, detectedAfterMs);
    }

    /** Milliseconds from the kill until /rep no longer lists {@code victim}; null if that does not happen within 30 s. */
    private static Double awaitGone(AdminClient admin, String victim, TrafficRunner.Run run, long killAt) throws IOException, InterruptedException {
        while (run.elapsedNanos() - killAt < GIVE_UP_NANOS) {
            if (!admin.replicas().contains(victim)) return (run.elapsedNanos() - killAt) / 1e6;
            Thread.sleep(POLL_MILLIS);
        }
        return null;
    }

    /** /rep once it lists {@code n} replicas again (or after 30 s, whatever it lists). */
    private static List<String> awaitReplicas(AdminClient admin, int n) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + GIVE_UP_NANOS;
        List<String> listed = admin.replicas();
        while (listed.size() != n && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MILLIS);
            listed = admin.replicas();
        }
        return listed;
    }

    static Failover summarize(String skipped, String victim, List<String> before, List<String> after, List<String> replacements,
                              TrafficResult traffic, long killAt, Double detectedAfterMs) {
        Double servingAgainAfterMs = null;
        int failedAfterKill = 0;
        int bins = (int) (traffic.durationNanos() / (BIN_MILLIS * 1_000_000L)) + 1;
        Map<String, List<Integer>> timeline = new LinkedHashMap<>();
        before.forEach(name -> timeline.put(name, zeros(bins)));
        replacements.forEach(name -> timeline.put(name, zeros(bins)));
        List<Integer> failedTimeline = zeros(bins);
        for (Outcome o : traffic.outcomes()) {
            int bin = (int) (o.doneNanos() / (BIN_MILLIS * 1_000_000L));
            boolean afterKill = killAt >= 0 && o.doneNanos() > killAt;
            if (!o.ok()) {
                failedTimeline.set(bin, failedTimeline.get(bin) + 1);
                if (afterKill) failedAfterKill++;
                continue;
            }
            List<Integer> series = timeline.computeIfAbsent(o.server(), name -> zeros(bins));
            series.set(bin, series.get(bin) + 1);
            if (afterKill && !before.contains(o.server())) {
                double ms = (o.doneNanos() - killAt) / 1e6;
                if (servingAgainAfterMs == null || ms < servingAgainAfterMs) servingAgainAfterMs = ms;
            }
        }
        return new Failover(skipped, victim, before, after, replacements, traffic.outcomes().size(), traffic.perSecond(),
                killAt < 0 ? null : killAt / 1e9, detectedAfterMs, servingAgainAfterMs, traffic.failed(), failedAfterKill,
                traffic.typicalError(), traffic.countsByServer(new ArrayList<>(timeline.keySet())), BIN_MILLIS, timeline, failedTimeline);
    }

    private static List<Integer> zeros(int bins) {
        return new ArrayList<>(java.util.Collections.nCopies(bins, 0));
    }

    static String describe(Failover f) {
        if (f.skipped() != null) return "  a3 failover: " + f.skipped();
        return String.format("  a3 failover: killed %s at %.2f s; /rep dropped it after %s; replacement %s answered after %s; "
                        + "%d of %d requests failed (%d after the kill)%s", f.victim(), f.killAtSeconds(), millis(f.detectedAfterMs()),
                f.replacements(), millis(f.servingAgainAfterMs()), f.failed(), f.requests(), f.failedAfterKill(),
                f.typicalError() == null ? "" : "; e.g. " + f.typicalError());
    }

    private static String millis(Double ms) {
        return ms == null ? "never (30 s)" : String.format("%.0f ms", ms);
    }

    private static List<String> timelineHeader(Failover f) {
        List<String> header = new ArrayList<>(List.of("from_ms", "to_ms"));
        header.addAll(f.timeline().keySet());
        header.add("failed");
        return header;
    }

    private static List<List<Object>> timelineRows(Failover f) {
        List<List<Object>> rows = new ArrayList<>();
        for (int bin = 0; bin < f.failedTimeline().size(); bin++) {
            List<Object> row = new ArrayList<>(List.of(bin * f.binMillis(), (bin + 1) * f.binMillis()));
            for (List<Integer> series : f.timeline().values()) row.add(series.get(bin));
            row.add(f.failedTimeline().get(bin));
            rows.add(row);
        }
        return rows;
    }
}

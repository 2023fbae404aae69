package dev.clb.analyzer.experiments;

import dev.clb.analyzer.deploy.AdminClient;
import dev.clb.analyzer.deploy.Deployment;
import dev.clb.analyzer.deploy.Deployments;
import dev.clb.analyzer.deploy.RingView;
import dev.clb.analyzer.output.Charts;
import dev.clb.analyzer.output.Markdown;
import dev.clb.analyzer.output.ReportText;
import dev.clb.analyzer.output.ResultFiles;
import dev.clb.analyzer.results.A3Result;
import dev.clb.analyzer.results.EndpointCheck;
import dev.clb.analyzer.results.Failover;
import dev.clb.analyzer.results.Provenance;
import dev.clb.analyzer.settings.Settings;
import dev.clb.analyzer.settings.Setup;
import dev.clb.analyzer.traffic.Outcome;
import dev.clb.analyzer.traffic.ProgressBar;
import dev.clb.analyzer.traffic.RequestIds;
import dev.clb.analyzer.traffic.TrafficResult;
import dev.clb.analyzer.traffic.TrafficRunner;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * the endpoint tour, then a replica killed for real while steady traffic flows ({@code requests} spread evenly over
 * {@value #TRAFFIC_SECONDS} s, the kill after {@value #KILL_AT_SECONDS} s): when the load balancer noticed
 * ({@code /rep} stops listing it), when N replicas served again (the replacement answered a request), which requests
 * failed, and requests per replica per 100 ms around it.
 */
public final class A3Failover implements Experiment<A3Result> {
    static final int REPLICAS = 3;
    static final double TRAFFIC_SECONDS = 8.0;
    static final double KILL_AT_SECONDS = 2.0;
    static final int BIN_MILLIS = 100;
    private static final long POLL_MILLIS = 5;
    private static final long GIVE_UP_NANOS = 30_000_000_000L;
    private static final String CHART = "a3-failover-timeline.png";
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
    public A3Result result(Session session) {
        if (result == null) throw new IllegalStateException("nothing measured");
        return result;
    }

    @Override
    public Class<A3Result> resultType() {
        return A3Result.class;
    }

    @Override
    public void writeTables(A3Result result, ResultFiles files) throws IOException {
        files.csv("a3-checks", List.of("request", "expected", "actual", "passed"),
                result.checks().stream().map(c -> List.<Object>of(c.request(), c.expected(), c.actual(), c.passed())).toList());
        files.csv("a3-timeline", timelineHeader(result.failover()), timelineRows(result.failover()));
    }

    @Override
    public void drawCharts(A3Result result, ResultFiles files) throws IOException {
        Charts.save(timelineChart(result.failover()), files.path(CHART));
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
        return new ArrayList<>(Collections.nCopies(bins, 0));
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

    /** Requests answered per replica per interval, failures, and the kill, detection and recovery marked. */
    static JFreeChart timelineChart(Failover failover) {
        XYSeriesCollection data = new XYSeriesCollection();
        double bin = failover.binMillis() / 1000.0;
        failover.timeline().forEach((replica, counts) -> data.addSeries(Charts.series(replica + (replica.equals(failover.victim()) ? " (killed)"
                : failover.replacements().contains(replica) ? " (replacement)" : ""), counts, bin)));
        data.addSeries(Charts.series("failed requests", failover.failedTimeline(), bin));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, i == data.getSeriesCount() - 1 ? Charts.FAILED : Charts.colour(i));
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesShape(i, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
        }
        NumberAxis time = Charts.axis("seconds since the traffic started");
        time.setNumberFormatOverride(new DecimalFormat("0.0"));
        XYPlot plot = new XYPlot(data, time, Charts.axis("requests answered per " + failover.binMillis() + " ms"), renderer);
        String subtitle;
        if (failover.killAtSeconds() != null) {
            double kill = failover.killAtSeconds();
            plot.addDomainMarker(Charts.marker(kill, "kill -9 " + failover.victim(), Charts.FAILED, 8), Layer.FOREGROUND);
            if (failover.detectedAfterMs() != null) {
                plot.addDomainMarker(Charts.marker(kill + failover.detectedAfterMs() / 1000, String.format("gone from /rep +%.0f ms",
                        failover.detectedAfterMs()), new Color(0xff7f0e), 28), Layer.FOREGROUND);
            }
            if (failover.servingAgainAfterMs() != null) {
                plot.addDomainMarker(Charts.marker(kill + failover.servingAgainAfterMs() / 1000, String.format("replacement answered +%.0f ms",
                        failover.servingAgainAfterMs()), new Color(0x2ca02c), 48), Layer.FOREGROUND);
            }
            subtitle = String.format("%,d requests at %.0f req/s; %d failed. Requests for the killed replica's slots go to the next "
                    + "replica clockwise until its replacement takes over its ring id.", failover.requests(), failover.perSecond(), failover.failed());
        } else {
            subtitle = failover.skipped();
        }
        return Charts.chart("A-3: a replica killed under steady traffic (N = " + failover.replicasBefore().size() + ")", plot, subtitle);
    }

    @Override
    public void writeSection(A3Result result, Markdown md) {
        md.heading(2, "A-3: every endpoint, and a replica killed under traffic (" + result.placement() + ")");
        md.paragraph(ReportText.measured(result.provenance()));
        long passed = result.checks().stream().filter(EndpointCheck::passed).count();
        md.heading(3, String.format(Locale.ROOT, "Endpoints: %d of %d checks passed", passed, result.checks().size()));
        md.paragraph("""
                Each request was sent once; every bad input must get a 400 with an `<Error> ` message and leave `/rep` exactly as it
                was (the analyzer compares `/rep` before and after). Replicas added by the tour were removed again.""");
        md.table(List.of("request", "expected", "answer", "ok"), result.checks().stream()
                .map(c -> List.of("`" + c.request() + "`", c.expected(), "`" + c.actual() + "`", c.passed() ? "yes" : "**NO**")).toList());
        Failover f = result.failover();
        md.heading(3, "A replica killed under steady traffic");
        md.image("A-3: timeline of a replica failure", CHART);
        if (f.skipped() != null) {
            md.paragraph("The kill was skipped: " + f.skipped());
            return;
        }
        md.table(List.of("figure", "value"), List.of(
                List.of("traffic", String.format(Locale.ROOT, "%,d requests to /home at %.0f req/s, over %d replicas %s", f.requests(),
                        f.perSecond(), f.replicasBefore().size(), f.replicasBefore())),
                List.of("killed", String.format(Locale.ROOT, "%s (%s) %.2f s into the traffic", f.victim(),
                        result.provenance().remote() ? "`docker kill`" : "SIGKILL to its process", f.killAtSeconds())),
                List.of("time to detection (`/rep` no longer lists it)", afterKill(f.detectedAfterMs())),
                List.of("time until N replicas serve again (the replacement answered a request)", afterKill(f.servingAgainAfterMs())),
                List.of("replacement", (f.replacements().isEmpty() ? "none" : String.join(", ", f.replacements()))
                        + String.format(Locale.ROOT, "; `/ring` gives it ring id %s (the victim had %d)", f.replacements().stream()
                        .map(name -> String.valueOf(result.ringIdsAfter().get(name))).collect(Collectors.joining(", ")), result.victimRingId())),
                List.of("replicas afterwards", f.replicasAfter().toString()),
                List.of("failed requests", f.failed() + " of " + f.requests() + " (" + f.failedAfterKill() + " after the kill)"
                        + (f.typicalError() == null ? "" : "; e.g. " + f.typicalError()))));
        md.paragraph(String.format(Locale.ROOT, """
                Before the kill %s answered %s of the requests. When its process died the load balancer saw it (a refused
                connection counts as a failure at once, without waiting for missed heartbeats), removed it from the map and put %s
                in its place under the same ring id (as `/ring` shows), hence on exactly the same slots: in the timeline the replacement's line takes
                over where the victim's stops, while the other replicas keep their own slots. A request that reached the dead
                replica in between was retried on the next replica clockwise, so %s.""",
                f.victim(), ReportText.pct(shareBeforeKill(f)), f.replacements().isEmpty() ? "a replacement" : String.join(", ", f.replacements()),
                f.failed() == 0 ? "no request failed" : f.failed() + " requests failed (see the table)"));
        int killBin = (int) (f.killAtSeconds() * 1000 / f.binMillis());
        int[] totals = intervalTotals(f);
        double mean = Arrays.stream(totals, 0, Math.max(1, killBin)).average().orElse(0);
        md.paragraph(String.format(Locale.ROOT, """
                Intervals in which fewer than half the usual requests (%.0f per %d ms before the kill) completed: %d of %d before the kill,
                %d of %d after it. Dips before the kill cannot be the failure's doing: they are the machine's (other processes
                competing for its cores); dips after it beyond those are the cost of the failure.""",
                mean, f.binMillis(), dips(totals, 0, killBin, mean), killBin, dips(totals, killBin, totals.length - 1, mean),
                Math.max(0, totals.length - 1 - killBin)));
    }

    /** Requests completed (answered or failed) per interval. */
    private static int[] intervalTotals(Failover f) {
        int[] totals = new int[f.failedTimeline().size()];
        for (int i = 0; i < totals.length; i++) {
            totals[i] = f.failedTimeline().get(i);
            for (List<Integer> series : f.timeline().values()) totals[i] += series.get(i);
        }
        return totals;
    }

    /** Intervals in [from, to) with under half the mean; the last interval of a run is partial and never counted. */
    private static int dips(int[] totals, int from, int to, double mean) {
        int dips = 0;
        for (int i = from; i < to; i++) if (totals[i] < mean / 2) dips++;
        return dips;
    }

    /** The victim's share of the requests answered in the intervals before the kill. */
    private static double shareBeforeKill(Failover f) {
        int bins = (int) (f.killAtSeconds() * 1000 / f.binMillis());
        long victim = f.timeline().get(f.victim()).subList(0, bins).stream().mapToLong(Integer::longValue).sum();
        long all = f.timeline().values().stream().mapToLong(series -> series.subList(0, bins).stream().mapToLong(Integer::longValue).sum()).sum();
        return all == 0 ? 0 : (double) victim / all;
    }

    private static String afterKill(Double ms) {
        return ms == null ? "not within 30 s" : String.format(Locale.ROOT, "%.0f ms after the kill", ms);
    }
}
